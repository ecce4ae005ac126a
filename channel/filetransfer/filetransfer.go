package filetransfer

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/transfer"
)

// Channel is the file channel; both sides run the same one. Set Downloads
// before the session starts; Send, Cancel and CancelAll may be called from
// any goroutine at any time.
type Channel struct {
	// Downloads is the folder received files are saved in (made when the
	// first offer is accepted).
	Downloads string
	Log       *slog.Logger // nil = slog.Default()

	mu       sync.Mutex
	link     *link                // the current connection's Run; nil between connections
	sending  map[string]*outgoing // offers not finished, to send again after a reconnect
	running  map[string]*running  // transfers moving now, both ways, by ID
	accepted map[[16]byte]bool    // offers accepted and interrupted: taken up again without asking
	notices  []session.Event      // ends of transfers that never moved, not shown yet
	seq      int
}

// link is one Run: the session and the goroutines it waits for.
type link struct {
	ctx context.Context
	s   *session.Session
	wg  sync.WaitGroup
}

// outgoing is an offer this side makes.
type outgoing struct {
	id    string
	offer *transfer.Offer
	what  string
}

// running is a transfer that moves now.
type running struct {
	ctx       context.Context // ends with the link, or when cancelled
	cancel    context.CancelFunc
	cancelled atomic.Bool // this side's person cancelled it
}

// Protocol implements session.Channel.
func (*Channel) Protocol() string { return stream.FileProtocol }

// Send offers the files and folders at paths to the other side. It
// returns once the offer is made up (the folders listed), before the other
// side answers: how it goes comes as events. An error says why nothing was
// offered.
func (c *Channel) Send(paths []string) error {
	o, err := transfer.NewOffer(paths)
	if err != nil {
		return plainOfferError(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sending == nil {
		c.sending = map[string]*outgoing{}
	}
	for _, other := range c.sending {
		if other.offer.ID == o.ID {
			return fmt.Errorf("%s is being sent already", other.what)
		}
	}
	out := &outgoing{id: c.newID("s"), offer: o, what: describe(o)}
	c.sending[out.id] = out
	if c.link != nil {
		c.startSend(c.link, out)
	}
	return nil
}

// Cancel stops the transfer with this ID (session.Transfer.ID), either
// way; the other side is told.
func (c *Channel) Cancel(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.running[id]; r != nil {
		r.cancelled.Store(true)
		r.cancel()
		return
	}
	if out := c.sending[id]; out != nil { // waiting for the connection to come back
		delete(c.sending, id)
		c.notices = append(c.notices, endEvent(out.id, true, out.what, "You cancelled sending "+out.what+".", ""))
		c.tellLocked()
	}
}

// tellLocked emits the notices on a goroutine of the current link, or
// leaves them for the next link (c.mu held): a Cancel from the window's
// loop must not wait for the interface.
func (c *Channel) tellLocked() {
	if c.link == nil || len(c.notices) == 0 {
		return
	}
	evs, s := c.notices, c.link.s
	c.notices = nil
	c.link.wg.Go(func() {
		for _, ev := range evs {
			s.Emit(ev)
		}
	})
}

// CancelAll stops every transfer.
func (c *Channel) CancelAll() {
	c.mu.Lock()
	ids := make([]string, 0, len(c.running)+len(c.sending))
	for id := range c.running {
		ids = append(ids, id)
	}
	for id := range c.sending {
		if c.running[id] == nil {
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	for _, id := range ids {
		c.Cancel(id)
	}
}

// Run implements session.Channel: it sends what waits to be sent and
// takes the other side's offers until ctx ends (the connection or the
// session did). Transfers cut then are offered again by the next Run.
func (c *Channel) Run(ctx context.Context, s *session.Session) error {
	l := &link{ctx: ctx, s: s}
	c.mu.Lock()
	c.link = l
	c.tellLocked()
	for _, out := range c.sending {
		if c.running[out.id] == nil {
			c.startSend(l, out)
		}
	}
	c.mu.Unlock()
	for {
		rw, err := s.AcceptChannel(ctx, stream.FileProtocol)
		if err != nil {
			break
		}
		l.wg.Go(func() { c.receive(l, rw) })
	}
	c.mu.Lock()
	c.link = nil // no transfer starts on this link any more
	c.mu.Unlock()
	l.wg.Wait()
	select {
	case <-s.Done(): // the session is over: what waited for the connection will not go
		c.mu.Lock()
		for id, out := range c.sending {
			delete(c.sending, id)
			c.notices = append(c.notices, endEvent(out.id, true, out.what, "Sending "+out.what+" stopped: the session ended.", ""))
		}
		evs := c.notices
		c.notices = nil
		c.mu.Unlock()
		for _, ev := range evs {
			s.Emit(ev)
		}
	default:
	}
	return nil
}

// startSend sends out on l, on a goroutine l waits for (c.mu held).
func (c *Channel) startSend(l *link, out *outgoing) {
	r := c.track(l.ctx, out.id)
	l.wg.Go(func() { c.send(l, out, r) })
}

// track registers a transfer that starts now (c.mu held).
func (c *Channel) track(ctx context.Context, id string) *running {
	if c.running == nil {
		c.running = map[string]*running{}
	}
	r := &running{}
	r.ctx, r.cancel = context.WithCancel(ctx)
	c.running[id] = r
	return r
}

func (c *Channel) newID(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s%d", prefix, c.seq)
}

func (c *Channel) log() *slog.Logger { return cmp.Or(c.Log, slog.Default()) }
