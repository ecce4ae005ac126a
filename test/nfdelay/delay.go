//go:build linux

package main

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// verdicts is where the delayer sends its decisions: the kernel queue in
// nfdelay, a recorder in tests.
type verdicts interface {
	// accept lets one packet through.
	accept(id uint32) error
	// acceptUpTo lets through every held packet whose id is not after id.
	acceptUpTo(id uint32) error
	// drop drops one packet.
	drop(id uint32) error
}

type heldPacket struct {
	id  uint32
	due time.Time
}

// delayer holds packets for a constant time, or for that time give or
// take a random jitter but never past the packet before it (a queue's
// jitter: late, never reordered). Since no packet falls due before the one
// ahead of it, a FIFO is a timer queue: the head is always due first, and
// arrival order is kept. The FIFO is a bounded channel, so memory stays
// constant whatever the packet rate. With a loss rate it drops that share
// of the packets, each on its own chance.
type delayer struct {
	delay  time.Duration
	jitter time.Duration // each hold is delay ± up to jitter
	loss   float64       // the chance a packet is dropped, 0..1
	rand   *rand.Rand    // push's only (one goroutine)
	last   time.Time     // push's: the latest due time so far
	fifo   chan heldPacket
	v      verdicts

	packets       atomic.Uint64
	dropped       atomic.Uint64
	failOpen      atomic.Uint64
	verdictErrors atomic.Uint64
}

type delayStats struct{ packets, dropped, failOpen, verdictErrors uint64 }

// newDelayer makes a delayer; seed makes its losses and jitter repeatable.
func newDelayer(delay, jitter time.Duration, loss float64, seed uint64, maxHeld int, v verdicts) *delayer {
	return &delayer{delay: delay, jitter: jitter, loss: loss, rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		fifo: make(chan heldPacket, maxHeld), v: v}
}

// push queues packet id seen at now. It never blocks: when the FIFO is full
// the packet is accepted at once (fail open, like the kernel queue).
func (d *delayer) push(id uint32, now time.Time) {
	d.packets.Add(1)
	if d.loss > 0 && d.rand.Float64() < d.loss {
		d.dropped.Add(1)
		d.send(d.v.drop(id))
		return
	}
	hold := d.delay
	if d.jitter > 0 {
		hold += time.Duration(d.rand.Int64N(int64(2*d.jitter)+1)) - d.jitter
	}
	due := now.Add(max(hold, 0))
	if due.Before(d.last) {
		due = d.last
	}
	d.last = due
	select {
	case d.fifo <- heldPacket{id: id, due: due}:
	default:
		d.failOpen.Add(1)
		d.send(d.v.accept(id))
	}
}

func (d *delayer) send(err error) {
	if err != nil {
		d.verdictErrors.Add(1)
	}
}

func (d *delayer) stats() delayStats {
	return delayStats{d.packets.Load(), d.dropped.Load(), d.failOpen.Load(), d.verdictErrors.Load()}
}

// run releases packets as they fall due until ctx ends, then accepts every
// packet still held and returns.
func (d *delayer) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var head heldPacket
	haveHead := false
	for {
		if !haveHead {
			select {
			case head = <-d.fifo:
			case <-ctx.Done():
				d.flush(0, false)
				return
			}
		}
		if wait := time.Until(head.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				d.flush(head.id, true)
				return
			}
		}
		// The head is due, and so may be the packets behind it: release
		// them all with one batch verdict.
		last := head.id
		haveHead = false
		now := time.Now()
	collect:
		for {
			select {
			case p := <-d.fifo:
				if p.due.After(now) {
					head, haveHead = p, true
					break collect
				}
				last = p.id
			default:
				break collect
			}
		}
		d.send(d.v.acceptUpTo(last))
	}
}

// flush accepts everything held, the head (if any) included.
func (d *delayer) flush(last uint32, have bool) {
	for {
		select {
		case p := <-d.fifo:
			last, have = p.id, true
		default:
			if have {
				d.send(d.v.acceptUpTo(last))
			}
			return
		}
	}
}
