package stream

import (
	"sync"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// InputQueue hands input events from a user interface to the goroutine
// that sends them, without ever blocking the interface. Consecutive
// pointer moves collapse into the newest one: a slow link gets fewer
// moves, never a backlog of stale ones, and never loses where the pointer
// ended. Every other event (buttons, keys, text) is kept, in order.
type InputQueue struct {
	mu     sync.Mutex
	events []desktop.Event
	ready  chan struct{}
}

// NewInputQueue returns an empty queue.
func NewInputQueue() *InputQueue { return &InputQueue{ready: make(chan struct{}, 1)} }

// Push adds e; it never blocks.
func (q *InputQueue) Push(e desktop.Event) {
	q.mu.Lock()
	if n := len(q.events); n > 0 && e.Kind == desktop.MouseMove && q.events[n-1].Kind == desktop.MouseMove {
		q.events[n-1] = e
	} else {
		q.events = append(q.events, e)
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled (one slot) after a Push.
func (q *InputQueue) Ready() <-chan struct{} { return q.ready }

// Take returns the queued events, oldest first, and empties the queue.
func (q *InputQueue) Take() []desktop.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	ev := q.events
	q.events = nil
	return ev
}
