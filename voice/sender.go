//go:build cgo

package voice

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/hraban/opus"
)

// ringSamples is the Push ring's size: 8192 samples, 170 ms. An encoder
// further behind than that drops the newest audio rather than send old.
const ringSamples = 8192

// Sender encodes microphone audio into 20 ms Opus packets. Push is for
// the audio thread, SetMuted for anyone, Run for the goroutine that owns
// the encoder.
type Sender struct {
	enc *opus.Encoder // Run's only

	// The ring between Push (the only writer of w) and Run (the only
	// writer of r): positions in samples, ever increasing.
	ring [ringSamples]int16
	w, r atomic.Uint64
	wake chan struct{} // 1 slot: Push's "there is more"

	gap     atomic.Uint64 // samples dropped by Push, not yet counted into Run's clock
	muted   atomic.Bool
	running atomic.Bool

	packets, dropped, mutedSamples atomic.Uint64

	// Run's only.
	frame   [PacketSamples]int16
	payload [MaxPayload]byte
}

// NewSender makes the encoder; it starts nothing.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Bitrate == 0 {
		cfg.Bitrate = 28000
	}
	if cfg.Bitrate < 6000 || cfg.Bitrate > 128000 {
		return nil, fmt.Errorf("voice: bitrate %d bit/s is outside 6000..128000", cfg.Bitrate)
	}
	if cfg.LossPercent == 0 {
		cfg.LossPercent = 10
	}
	if cfg.LossPercent > 100 {
		return nil, fmt.Errorf("voice: loss percent %d is over 100", cfg.LossPercent)
	}
	if cfg.Complexity == 0 {
		cfg.Complexity = 10
	}
	if cfg.Complexity < 1 || cfg.Complexity > 10 {
		return nil, fmt.Errorf("voice: complexity %d is outside 1..10", cfg.Complexity)
	}
	enc, err := opus.NewEncoder(SampleRate, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("making the Opus encoder: %w", err)
	}
	fec := cfg.LossPercent > 0
	settings := []struct {
		what string
		err  error
	}{
		{"bitrate", enc.SetBitrate(cfg.Bitrate)},
		{"complexity", enc.SetComplexity(cfg.Complexity)},
		{"in-band FEC", enc.SetInBandFEC(fec)},
		{"expected loss", enc.SetPacketLossPerc(max(cfg.LossPercent, 0))},
		// DTX off: a packet every 20 ms keeps the receiver's jitter
		// estimate and clock steering fed; silence costs ~1 kbit/s.
		{"DTX", enc.SetDTX(false)},
	}
	for _, s := range settings {
		if s.err != nil {
			return nil, fmt.Errorf("setting the Opus encoder's %s: %w", s.what, s.err)
		}
	}
	return &Sender{enc: enc, wake: make(chan struct{}, 1)}, nil
}

// Push hands the Sender microphone audio (any length; normally one 10 ms
// frame). It is for the audio thread: it copies pcm, never blocks and
// never allocates. When the encoder is more than 170 ms behind, pcm is
// dropped and counted (SenderStats.Dropped). Push must not be called from
// two goroutines at once.
func (s *Sender) Push(pcm []int16) {
	n := uint64(len(pcm))
	w := s.w.Load()
	if n == 0 {
		return
	}
	if n > ringSamples-(w-s.r.Load()) {
		s.dropped.Add(n)
		s.gap.Add(n) // the clock still counts them: they were spoken
		return
	}
	i := int(w % ringSamples)
	c := copy(s.ring[i:], pcm)
	copy(s.ring[:], pcm[c:])
	s.w.Store(w + n)
	// Run encodes 20 ms at a time: waking it for every 10 ms frame would
	// wake it for nothing every other time, and each wake-up costs a
	// thread switch or two (a call's CPU is half switching).
	if w+n-s.r.Load() < PacketSamples {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// SetMuted stops (true) or resumes (false) sending. While muted nothing is
// sent at all, rather than silence at a low rate: it costs nothing on the
// network, and the receiver conceals a few tens of ms, then goes silent
// and starts a fresh buffer when packets come again; its jitter estimate
// survives the pause because the packets' clock counts it. Audio already
// encoded is sent.
func (s *Sender) SetMuted(muted bool) { s.muted.Store(muted) }

// Stats is what the Sender did so far; safe from any goroutine.
func (s *Sender) Stats() SenderStats {
	return SenderStats{Packets: s.packets.Load(), Dropped: s.dropped.Load(), Muted: s.mutedSamples.Load()}
}

// Run encodes what Push gave it, 20 ms at a time, and hands each packet
// to send, until ctx ends (then it returns ctx.Err()) or send fails (then
// it returns that error, wrapped). send is called on Run's goroutine; it
// may block briefly (Push drops audio if it blocks for more than 170 ms in
// all) and must copy p.Payload if it keeps it. Run may be called once.
func (s *Sender) Run(ctx context.Context, send func(Packet) error) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	var seq uint32
	var clock uint64 // samples since the start, dropped and muted ones included
	wasMuted := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		}
		for {
			r := s.r.Load()
			if s.w.Load()-r < PacketSamples {
				break
			}
			i := int(r % ringSamples)
			c := copy(s.frame[:], s.ring[i:])
			copy(s.frame[c:], s.ring[:])
			s.r.Store(r + PacketSamples)

			t := clock + s.gap.Swap(0) // a gap is counted where Run notices it: ±20 ms
			clock = t + PacketSamples
			if s.muted.Load() {
				s.mutedSamples.Add(PacketSamples)
				wasMuted = true
				continue
			}
			if wasMuted {
				// Start afresh rather than from the audio before the pause.
				if err := s.enc.Reset(); err != nil {
					return fmt.Errorf("resetting the Opus encoder after a pause: %w", err)
				}
				wasMuted = false
			}
			n, err := s.enc.Encode(s.frame[:], s.payload[:])
			if err != nil {
				return fmt.Errorf("encoding voice packet %d: %w", seq, err)
			}
			if err := send(Packet{Seq: seq, Time: uint32(t), Payload: s.payload[:n]}); err != nil {
				return fmt.Errorf("sending voice packet %d: %w", seq, err)
			}
			s.packets.Add(1)
			seq++
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
}
