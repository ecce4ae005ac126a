package main

import (
	"context"
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
}

type heldPacket struct {
	id  uint32
	due time.Time
}

// delayer holds packets for a constant time. Since every packet waits the
// same time, a FIFO is a timer queue: the head is always due first, and
// arrival order is kept. The FIFO is a bounded channel, so memory stays
// constant whatever the packet rate.
type delayer struct {
	delay time.Duration
	fifo  chan heldPacket
	v     verdicts

	packets       atomic.Uint64
	failOpen      atomic.Uint64
	verdictErrors atomic.Uint64
}

type delayStats struct{ packets, failOpen, verdictErrors uint64 }

func newDelayer(delay time.Duration, maxHeld int, v verdicts) *delayer {
	return &delayer{delay: delay, fifo: make(chan heldPacket, maxHeld), v: v}
}

// push queues packet id seen at now. It never blocks: when the FIFO is full
// the packet is accepted at once (fail open, like the kernel queue).
func (d *delayer) push(id uint32, now time.Time) {
	d.packets.Add(1)
	select {
	case d.fifo <- heldPacket{id: id, due: now.Add(d.delay)}:
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
	return delayStats{d.packets.Load(), d.failOpen.Load(), d.verdictErrors.Load()}
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
