//go:build linux

package main

import (
	"context"
	"sync"
	"testing"
	"time"
)

// recorder stands in for the kernel queue: it notes when each packet is let
// through. A batch verdict releases every recorded packet up to its id.
type recorder struct {
	mu       sync.Mutex
	pending  []uint32
	released map[uint32]time.Time
	order    []uint32
	dropped  []uint32
}

func newRecorder() *recorder { return &recorder{released: map[uint32]time.Time{}} }

func (r *recorder) add(id uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, id)
}

func (r *recorder) release(id uint32) {
	r.released[id] = time.Now()
	r.order = append(r.order, id)
}

func (r *recorder) accept(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.pending {
		if p == id {
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			r.release(id)
			break
		}
	}
	return nil
}

func (r *recorder) acceptUpTo(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := r.pending[:0]
	for _, p := range r.pending {
		if p <= id {
			r.release(p)
		} else {
			keep = append(keep, p)
		}
	}
	r.pending = keep
	return nil
}

func (r *recorder) drop(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.pending {
		if p == id {
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			r.dropped = append(r.dropped, id)
			break
		}
	}
	return nil
}

func (r *recorder) snapshot() (map[uint32]time.Time, []uint32, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[uint32]time.Time, len(r.released))
	for k, v := range r.released {
		m[k] = v
	}
	return m, append([]uint32(nil), r.order...), len(r.pending)
}

func TestDelayerHoldsInOrder(t *testing.T) {
	const delay = 30 * time.Millisecond
	r := newRecorder()
	d := newDelayer(delay, 0, 0, 1, 1000, r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.run(ctx); close(done) }()

	arrived := map[uint32]time.Time{}
	for id := uint32(1); id <= 300; id++ {
		now := time.Now()
		arrived[id] = now
		r.add(id)
		d.push(id, now)
		if id%50 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(delay + 100*time.Millisecond)
	released, order, pending := r.snapshot()
	if pending != 0 || len(released) != 300 {
		t.Fatalf("%d released, %d still held; want 300, 0", len(released), pending)
	}
	for i, id := range order {
		if id != uint32(i+1) {
			t.Fatalf("release order %v..., want 1, 2, 3, ...", order[:i+1])
		}
		if held := released[id].Sub(arrived[id]); held < delay {
			t.Fatalf("packet %d held %v, want >= %v", id, held, delay)
		}
	}
	cancel()
	<-done
	if st := d.stats(); st.packets != 300 || st.failOpen != 0 || st.verdictErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDelayerFailsOpenWhenFull(t *testing.T) {
	r := newRecorder()
	d := newDelayer(time.Hour, 0, 0, 1, 2, r) // run is not started: nothing leaves the FIFO
	for id := uint32(1); id <= 5; id++ {
		r.add(id)
		d.push(id, time.Now())
	}
	_, order, pending := r.snapshot()
	if len(order) != 3 || pending != 2 {
		t.Fatalf("released %v with %d held; want 3 released at once, 2 held", order, pending)
	}
	if st := d.stats(); st.failOpen != 3 {
		t.Errorf("failOpen = %d, want 3", st.failOpen)
	}
}

func TestDelayerFlushesOnStop(t *testing.T) {
	r := newRecorder()
	d := newDelayer(time.Hour, 0, 0, 1, 100, r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.run(ctx); close(done) }()
	for id := uint32(1); id <= 10; id++ {
		r.add(id)
		d.push(id, time.Now())
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("run did not return after cancel")
	}
	if _, order, pending := r.snapshot(); len(order) != 10 || pending != 0 {
		t.Fatalf("after stop: released %v, %d held; want all 10 released", order, pending)
	}
}

// TestDelayerLossAndJitter: with 5 % loss and ±10 ms of jitter around 30
// ms, about one packet in twenty is dropped (the same ones for the same
// seed), the others are let through in arrival order, each held between
// 20 ms and what the packet ahead of it was held.
func TestDelayerLossAndJitter(t *testing.T) {
	const delay, jitter, n = 30 * time.Millisecond, 10 * time.Millisecond, 2000
	r := newRecorder()
	d := newDelayer(delay, jitter, 0.05, 7, 4000, r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.run(ctx); close(done) }()
	arrived := map[uint32]time.Time{}
	for id := uint32(1); id <= n; id++ {
		now := time.Now()
		arrived[id] = now
		r.add(id)
		d.push(id, now)
		if id%20 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(delay + jitter + 150*time.Millisecond)
	cancel()
	<-done
	released, order, pending := r.snapshot()
	r.mu.Lock()
	dropped := len(r.dropped)
	r.mu.Unlock()
	t.Logf("%d of %d dropped", dropped, n)
	if dropped < n*3/100 || dropped > n*7/100 {
		t.Errorf("%d of %d dropped, want about 5 %%", dropped, n)
	}
	if pending != 0 || len(released)+dropped != n {
		t.Fatalf("%d released, %d dropped, %d held; want all %d decided", len(released), dropped, pending, n)
	}
	var spread time.Duration
	for i, id := range order {
		if i > 0 && id < order[i-1] {
			t.Fatalf("packet %d let through after %d: reordered", id, order[i-1])
		}
		held := released[id].Sub(arrived[id])
		if held < delay-jitter {
			t.Fatalf("packet %d held %v, want >= %v", id, held, delay-jitter)
		}
		spread = max(spread, held)
	}
	if spread < delay+jitter/2 {
		t.Errorf("the longest hold was %v: no jitter above %v", spread, delay)
	}
	if st := d.stats(); st.dropped != uint64(dropped) || st.packets != n {
		t.Errorf("stats %+v", st)
	}
}
