package screen

import (
	"math"
	"time"
)

// pacer is Automatic (Settings.Auto): it learns how fast the path to the
// viewer carries updates and keeps the sender just under it, so that a
// fresh change never queues behind seconds of old pictures, and it picks
// the photo quality and frame rate that rate affords.
//
// Two measurements from the acks the screen protocol already has: the
// delivery rate (bytes acked over the last second) and each update's
// delay from the start of its write to its ack. The least delay lately (base, set by the smallest
// updates: a cursor, a character) is the round trip and the viewer's
// decoding; anything above it and the update's own bytes is queueing.
// While the queue stays under half a margin the pace grows 5% an ack or
// doubles every paceDoubling, whichever is faster (at most 25% an ack),
// but only on evidence (the pace held something back in the last second, or
// the path delivered near it), so a sender with little to send does not
// talk itself into a pace the path never showed; above the margin the pace
// is cut by base ÷ (base + queue), between 15% and half, once a round
// trip. The same idea as TigerVNC's
// congestion control (grow while the delay stays near its base, back off
// when it rises) and RustDesk's video QoS (frame rate from the measured
// delay).
type pacer struct {
	rate      float64 // the pace, bytes a second
	next      time.Time
	sentLog   [ackWindow + 2]sentUpdate // the newest updates, by seq % len
	acks      [32]ackMark               // delivery: cumulative bytes acked, a ring
	nacks     int
	ackedSum  int64
	base      time.Duration // least queue-free delay seen in this window or the last
	baseCur   time.Duration
	basePrev  time.Duration
	baseFrom  time.Time
	lastCut   time.Time
	lastAck   time.Time // the last ack: the pace grows by the time since it, too
	limitedAt time.Time // when the pace last held something back
	tileBytes float64   // bytes per tile sent lately (an average), to size updates
	// pathRTT is the transport's least round trip (QUIC's), or nil: the
	// base is never more than it and pathSlack, so a queue that never
	// empties cannot pass for the path's delay.
	pathRTT func() time.Duration
	cuts    int // times the pace was cut (Stats)
}

type sentUpdate struct {
	seq   uint64
	at    time.Time
	bytes int
}

type ackMark struct {
	at  time.Time
	sum int64
}

const (
	paceStart  = 1.25e6 // 10 Mbit/s until the path says otherwise
	paceMin    = 8e3    // 64 kbit/s
	paceMax    = 250e6  // 2 Gbit/s: a LAN, or loopback
	paceWindow = 10 * time.Second
	// paceSlice bounds an update to about this long on the wire, so a
	// fresh change waits at most that long behind one (two in flight).
	paceSlice    = 40 * time.Millisecond
	paceMinTiles = 1
	// pathSlack is what an ack may take beyond the transport's round trip
	// without counting as queue: the viewer's decoding and drawing.
	pathSlack = 30 * time.Millisecond
	// paceDoubling is how fast the pace grows at least while updates come
	// back without queue: by time as well as by ack, so that after a slow
	// spell the photo quality is back within seconds even when little
	// changes (a slideshow's ten acks a second at 5 % each took 6 s from
	// 0.5 to 8 Mbit/s; this takes 2). paceGrowth caps one ack's share
	// (the first after a long silence).
	paceDoubling = 500 * time.Millisecond
	paceGrowth   = 1.25
)

func newPacer() pacer { return pacer{rate: paceStart, tileBytes: 600} }

// wait is how long until the next update may go (0: now); the sender
// asks only when it has something to send, so a wait means the pace
// holds it back.
func (p *pacer) wait(now time.Time) time.Duration {
	w := max(p.next.Sub(now), 0)
	if w > 0 {
		p.limitedAt = now
	}
	return w
}

// heldBack says the pace's update size (maxTiles) left tiles for later.
func (p *pacer) heldBack(now time.Time) { p.limitedAt = now }

// sent records an update of bytes written from at on, with tiles tiles.
func (p *pacer) sent(seq uint64, at time.Time, bytes, tiles int) {
	p.sentLog[seq%uint64(len(p.sentLog))] = sentUpdate{seq, at, bytes}
	p.next = at.Add(time.Duration(float64(bytes) / p.rate * float64(time.Second)))
	if tiles > 0 {
		p.tileBytes = 0.8*p.tileBytes + 0.2*float64(bytes)/float64(tiles)
	}
}

// delivery is the bytes a second acked over the last second or so (0:
// too few acks yet).
func (p *pacer) delivery(now time.Time) float64 {
	if p.nacks < 2 {
		return 0
	}
	newest := p.acks[(p.nacks-1)%len(p.acks)]
	oldest := p.acks[max(p.nacks-len(p.acks), 0)%len(p.acks)]
	for i := max(p.nacks-len(p.acks), 0); i < p.nacks-1; i++ {
		if m := p.acks[i%len(p.acks)]; now.Sub(m.at) <= time.Second {
			oldest = m
			break
		}
	}
	dt := newest.at.Sub(oldest.at)
	if dt < 50*time.Millisecond {
		return 0
	}
	return float64(newest.sum-oldest.sum) / dt.Seconds()
}

// acked takes the viewer's ack of update seq at now.
func (p *pacer) acked(seq uint64, now time.Time) {
	u := p.sentLog[seq%uint64(len(p.sentLog))]
	if u.seq != seq || u.at.IsZero() {
		return
	}
	p.ackedSum += int64(u.bytes)
	p.acks[p.nacks%len(p.acks)] = ackMark{now, p.ackedSum}
	p.nacks++
	deliv := p.delivery(now)
	d := now.Sub(u.at)
	since := now.Sub(p.lastAck)
	p.lastAck = now
	if now.Sub(p.baseFrom) > paceWindow {
		p.basePrev, p.baseCur, p.baseFrom = p.baseCur, 0, now
	}
	if p.baseCur == 0 || d < p.baseCur {
		p.baseCur = d // the small updates (a cursor, a character) set it
	}
	p.base = p.baseCur
	if p.basePrev != 0 && p.basePrev < p.base {
		p.base = p.basePrev
	}
	if p.pathRTT != nil {
		if r := p.pathRTT(); r > 0 && p.base > r+pathSlack {
			p.base = r + pathSlack
		}
	}
	// The update's own time on the wire, at the faster of the pace and
	// what was delivered: a pace over what the path carries then shows as
	// delay, one under it as none.
	onWire := time.Duration(float64(u.bytes) / max(p.rate, deliv) * float64(time.Second))
	excess := d - p.base - onWire
	margin := max(10*time.Millisecond, p.base/4)
	switch {
	case excess <= margin/2:
		// Grow only on evidence: the sender had more to send than the
		// pace let out, or the path delivered near the pace anyway.
		f := max(1.05, min(math.Exp2(since.Seconds()/paceDoubling.Seconds()), paceGrowth))
		if grown := p.rate * f; deliv == 0 || grown <= 1.25*deliv || now.Sub(p.limitedAt) < time.Second {
			p.rate = min(grown, paceMax)
		}
	case excess > margin && now.Sub(p.lastCut) > p.base+margin:
		// The more queue, the deeper the cut: by base ÷ (base + queue),
		// between 15% and half. (What was delivered is no guide: with
		// little to send, or two updates in flight over a long round trip,
		// the sender does not keep the path busy.)
		f := min(max(float64(p.base)/float64(p.base+excess), 0.5), 0.85)
		// Never under half of what the path delivered in the last second:
		// it carried that much, and a pace far below it only starves.
		p.rate = max(p.rate*f, deliv/2, paceMin)
		p.lastCut = now
		p.cuts++
	}
}

// maxTiles is how many tiles the next update may carry (its bytes about
// paceSlice at the rate).
func (p *pacer) maxTiles() int {
	return max(paceMinTiles, int(p.rate*paceSlice.Seconds()/max(p.tileBytes, 1)))
}

// choose is the photo quality and frame rate for the rate: the full
// defaults from 8 Mbit/s up (the starting pace is above), less of both
// below. Text is lossless at every rate.
func (p *pacer) choose() (quality, fps int) {
	switch r := p.rate * 8; {
	case r >= 8e6: // the starting pace: full quality until the path says otherwise
		return 80, 60
	case r >= 3e6:
		return 70, 30
	case r >= 1.2e6:
		return 55, 25
	case r >= 400e3:
		return 40, 25
	default:
		return 30, 25
	}
}

// report is what the viewer is told (MsgPace).
func (p *pacer) report() Pace {
	q, fps := p.choose()
	return Pace{Kbps: int(p.rate * 8 / 1000), RTT: p.base, Quality: q, FPS: fps}
}

// paceReportEvery is how often the sender tells the viewer its pace.
const paceReportEvery = time.Second
