//go:build cgo

package voice

import (
	"fmt"
	"sync"
	"time"

	"github.com/hraban/opus"
)

// slotCount is the number of packets the receiver can hold: 64, 1.28 s,
// over three times the largest target delay.
const slotCount = 64

type slot struct {
	full    bool
	seq     uint32
	ext     int64 // the sender's clock at the first sample, unwrapped (samples)
	arrival int64 // ns since the receiver's epoch
	n       int
	data    [MaxPayload]byte
}

// Steering thresholds: the delay may be this much above the target before
// a quiet frame is dropped, this much before frames are dropped anyway
// (every dropEvery pulls), and this much below before one is stretched.
const (
	dropAbove      = 15 * time.Millisecond
	forceDropAbove = 40 * time.Millisecond
	dropEvery      = 6 // pulls: 60 ms
	stretchBelow   = 5 * time.Millisecond
	stretchEvery   = 4          // pulls: 40 ms
	holdOff        = 50         // pulls (500 ms) after a drop before a stretch, and the other way
	smoothing      = 16         // units: the delay steered by is averaged over about this many
	quietRMS       = 1000       // −30 dBFS: a pause in speech
	maxJump        = 10 * 48000 // a Time step larger than 10 s (either way) restarts the jitter estimate
	margin         = 10 * time.Millisecond
)

// Receiver is a jitter buffer and Opus decoder: Put from the network, Pull
// from the audio thread.
type Receiver struct {
	now                          func() time.Time
	epoch                        time.Time
	minDelay, maxDelay, maxStall time.Duration
	noFEC                        bool

	mu sync.Mutex
	// Below: guarded by mu.
	dec                   *opus.Decoder
	slots                 [slotCount]slot
	count                 int    // full slots
	playing               bool   // else idle: silence until a packet has waited the target
	playSeq               uint32 // the next packet to play; when idle, the oldest buffered
	newest                uint32 // when idle: the newest buffered
	pos                   int64  // the sender's clock at the next sample out (unwrapped samples)
	stall                 time.Duration
	pulls                 int64 // 10 ms units made; the steering's clock
	lastDrop, lastStretch int64
	// smooth is the delay averaged over the last units: the delay seen at
	// one unit swings by a packet or a sound-server period (pulls come in
	// bursts of a period), and steering by it dropped and stretched ten
	// times a second in a calm call.
	smooth    time.Duration
	smoothed  bool
	lastQuiet bool // the last unit decoded was quiet

	haveClock bool
	lastTime  uint32 // the newest Time seen, and its unwrapped value
	lastExt   int64
	jit       jitter

	pcm          [PacketSamples]int16 // the unit being played
	pcmOff, pcmN int
	pcmAdvances  bool // the unit moves the playout along the sender's clock

	stats ReceiverStats
}

// NewReceiver makes the decoder; it starts nothing.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	r := &Receiver{now: cfg.Now, minDelay: cfg.MinDelay, maxDelay: cfg.MaxDelay, maxStall: cfg.MaxStall, noFEC: cfg.NoFEC}
	if r.now == nil {
		r.now = time.Now
	}
	if r.minDelay == 0 {
		r.minDelay = 20 * time.Millisecond
	}
	if r.maxDelay == 0 {
		r.maxDelay = 400 * time.Millisecond
	}
	if r.maxStall == 0 {
		r.maxStall = 300 * time.Millisecond
	}
	if r.minDelay < 0 || r.maxDelay < r.minDelay || r.maxDelay > time.Second || r.maxStall < 0 {
		return nil, fmt.Errorf("voice: delays must be 0 ≤ MinDelay ≤ MaxDelay ≤ 1 s, MaxStall ≥ 0")
	}
	dec, err := opus.NewDecoder(SampleRate, 1)
	if err != nil {
		return nil, fmt.Errorf("making the Opus decoder: %w", err)
	}
	r.dec = dec
	r.epoch = r.now()
	return r, nil
}

// Put hands the receiver a packet from the peer, with the time it
// arrived (on the clock of Config.Now). The payload is copied; p is not
// kept. Safe from any goroutine; it holds the lock for a copy and a sort
// of 150 numbers.
func (r *Receiver) Put(p Packet, arrival time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Packets++
	if len(p.Payload) == 0 || len(p.Payload) > MaxPayload || opusSamples(p.Payload) != PacketSamples {
		r.stats.Invalid++
		return
	}
	ext := r.unwrapLocked(p.Time)
	at := int64(arrival.Sub(r.epoch))
	d := int32(p.Seq - r.playSeq)
	switch {
	case !r.playing && r.count == 0:
		r.playSeq, r.newest = p.Seq, p.Seq
	case !r.playing && d < 0:
		if int32(r.newest-p.Seq) >= slotCount {
			r.stats.Invalid++
			return
		}
		r.playSeq = p.Seq
	case !r.playing && d >= slotCount:
		r.stats.Invalid++
		return
	case r.playing && d < 0:
		if d > -8*slotCount {
			r.stats.Late++
			r.jit.add(at - int64(samplesToDuration(ext))) // the most telling transit of all
		} else {
			r.stats.Invalid++
		}
		return
	case r.playing && d >= slotCount:
		r.stats.Invalid++
		return
	}
	s := &r.slots[p.Seq%slotCount]
	if s.full {
		r.stats.Duplicate++
		return
	}
	if !r.playing && int32(p.Seq-r.newest) > 0 {
		r.newest = p.Seq
	}
	s.full, s.seq, s.ext, s.arrival = true, p.Seq, ext, at
	s.n = copy(s.data[:], p.Payload)
	r.count++
	r.jit.add(at - int64(samplesToDuration(ext)))
}

// unwrapLocked turns a packet's 32-bit Time into the unwrapped clock,
// relative to the newest Time seen. A jump of more than 10 s either way
// (a long pause, a restarted or lying sender) starts the clock and the
// jitter estimate afresh there.
func (r *Receiver) unwrapLocked(t uint32) int64 {
	if !r.haveClock {
		r.haveClock, r.lastTime, r.lastExt = true, t, 0
		return 0
	}
	d := int64(int32(t - r.lastTime))
	if d > maxJump || d < -maxJump {
		r.jit.reset()
		r.lastTime = t
		r.lastExt += PacketSamples
		return r.lastExt
	}
	ext := r.lastExt + d
	if d > 0 {
		r.lastTime, r.lastExt = t, ext
	}
	return ext
}

// targetLocked is the delay the buffer steers to.
func (r *Receiver) targetLocked() time.Duration {
	return min(max(time.Duration(r.jit.spread)+margin, r.minDelay), r.maxDelay)
}

// delayLocked is how long a packet of the baseline transit waits, if the
// sample of the sender's clock ext is played at now.
func (r *Receiver) delayLocked(now time.Duration, ext int64) time.Duration {
	return now - samplesToDuration(ext) - time.Duration(r.jit.min)
}

// Pull fills out with the next audio to play (normally 480 samples, 10
// ms): decoded, concealed, or silence before the first packet and after a
// stall. For the audio thread: it takes the lock (which Put holds for
// microseconds), decodes into fixed buffers and allocates nothing. Pull
// must not be called from two goroutines at once.
func (r *Receiver) Pull(out []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now().Sub(r.epoch)
	for len(out) > 0 {
		if r.pcmOff == r.pcmN {
			r.nextLocked(now)
		}
		n := copy(out, r.pcm[r.pcmOff:r.pcmN])
		r.pcmOff += n
		out = out[n:]
		if r.pcmAdvances {
			r.pos += int64(n)
		}
	}
}

// nextLocked makes the next unit of audio in r.pcm: 10 or 20 ms.
func (r *Receiver) nextLocked(now time.Duration) {
	r.pulls++
	r.pcmOff = 0
	if !r.playing && !r.startLocked(now) {
		r.silenceLocked()
		return
	}
	target := r.targetLocked()
	delay := r.delayLocked(now, r.pos)
	r.stats.Delay = delay
	if !r.smoothed {
		r.smooth, r.smoothed = delay, true
	}
	r.smooth += (delay - r.smooth) / smoothing
	excess := r.smooth - target

	s := &r.slots[r.playSeq%slotCount]
	switch {
	case s.full:
		if excess < -stretchBelow && r.pulls-r.lastStretch >= stretchEvery && r.pulls-r.lastDrop >= holdOff &&
			(r.lastQuiet || excess < -3*stretchBelow) {
			r.lastStretch = r.pulls
			r.stats.Stretched++
			r.smooth += 10 * time.Millisecond
			r.concealLocked(FrameSamples, false)
			return
		}
		r.stall = 0
		n, err := r.dec.Decode(s.data[:s.n], r.pcm[:PacketSamples:PacketSamples])
		if err != nil || n != PacketSamples {
			r.stats.DecodeErrors++
			r.concealLocked(PacketSamples, true)
		} else {
			r.pcmN, r.pcmAdvances = PacketSamples, true
		}
		if d := s.ext - r.pos; d > -SampleRate && d < SampleRate {
			r.pos = s.ext // follow the sender's clock (it counts its pauses)
		}
		r.popLocked()
		quiet := rms(r.pcm[:r.pcmN]) < quietRMS
		r.lastQuiet = quiet
		if excess > dropAbove && r.pcmN == PacketSamples && r.pulls-r.lastStretch >= holdOff &&
			(quiet || excess > forceDropAbove && r.pulls-r.lastDrop >= dropEvery) {
			r.lastDrop = r.pulls
			r.stats.Dropped++
			r.crossfadeHalvesLocked()
			r.pos += FrameSamples // the 10 ms dropped
			r.smooth -= 10 * time.Millisecond
		}
	case r.count > 0: // missing, and something after it has come: lost or late
		r.stats.Lost++
		r.stall = 0
		next := &r.slots[(r.playSeq+1)%slotCount]
		if !r.noFEC && next.full && next.seq == r.playSeq+1 &&
			r.dec.DecodeFEC(next.data[:next.n], r.pcm[:PacketSamples:PacketSamples]) == nil {
			r.stats.FECRecovered++
			r.pcmN, r.pcmAdvances = PacketSamples, true
		} else {
			r.concealLocked(PacketSamples, true)
		}
		r.popLocked()
	default: // nothing buffered: conceal 10 ms without moving on
		r.stall += FrameSamples * time.Second / SampleRate
		if r.stall > r.maxStall {
			r.stats.Stalls++
			r.idleLocked()
			r.silenceLocked()
			return
		}
		r.concealLocked(FrameSamples, false)
	}
}

// startLocked starts playing, if the oldest packet buffered has waited
// the target delay; packets that have waited longer than needed, with the
// next one there, are skipped.
func (r *Receiver) startLocked(now time.Duration) bool {
	if r.count == 0 {
		return false
	}
	target := r.targetLocked()
	s := &r.slots[r.playSeq%slotCount]
	if !s.full || r.delayLocked(now, s.ext) < target {
		return false
	}
	for {
		next := &r.slots[(r.playSeq+1)%slotCount]
		if !next.full || next.seq != r.playSeq+1 || r.delayLocked(now, next.ext) < target {
			break
		}
		r.stats.Dropped += 2
		r.popLocked()
	}
	s = &r.slots[r.playSeq%slotCount]
	r.playing, r.pos, r.stall = true, s.ext, 0
	r.stats.Playing = true
	return true
}

// popLocked moves past the packet due now, buffered or not.
func (r *Receiver) popLocked() {
	s := &r.slots[r.playSeq%slotCount]
	if s.full {
		s.full = false
		r.count--
	}
	r.playSeq++
}

// idleLocked stops playing and forgets what is buffered: the next packet
// starts afresh.
func (r *Receiver) idleLocked() {
	for i := range r.slots {
		r.slots[i].full = false
	}
	r.count = 0
	r.playing = false
	r.smoothed = false // a new start: the delay is measured afresh
	r.stats.Playing = false
	r.stats.Delay = 0
}

func (r *Receiver) silenceLocked() {
	clear(r.pcm[:FrameSamples])
	r.pcmN, r.pcmAdvances = FrameSamples, false
}

// concealLocked makes n samples by Opus concealment; advances says whether
// they stand for the sender's audio (a lost packet) or are extra (a stall,
// a stretch).
func (r *Receiver) concealLocked(n int, advances bool) {
	r.stats.Concealed += uint64(n / FrameSamples)
	if err := r.dec.DecodePLC(r.pcm[:n:n]); err != nil {
		clear(r.pcm[:n])
	}
	r.pcmN, r.pcmAdvances = n, advances
}

// crossfadeHalvesLocked turns the 20 ms unit into 10 ms: the first half
// fading into the second, so it starts where the last unit ended and ends
// where the next begins.
func (r *Receiver) crossfadeHalvesLocked() {
	for i := range FrameSamples {
		a, b := int32(r.pcm[i]), int32(r.pcm[FrameSamples+i])
		r.pcm[i] = int16((a*int32(FrameSamples-i) + b*int32(i)) / FrameSamples)
	}
	r.pcmN = FrameSamples
}

// Stats is the buffer's state and counters; safe from any goroutine.
func (r *Receiver) Stats() ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.Target = r.targetLocked()
	st.Jitter = time.Duration(r.jit.spread)
	return st
}
