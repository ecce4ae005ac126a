package voice

// The settings, counters and errors both builds share: with cgo
// (sender.go, receiver.go: libopus) and without (noopus.go, the stand-in
// of the Windows .exe). Only functions, methods and the Sender and Receiver
// types differ between them, and noopus_test.go keeps those in step.

import (
	"errors"
	"time"
)

// ErrRunning is Run's error when the Sender's Run is already running or
// has run: a Sender encodes one stream, once.
var ErrRunning = errors.New("voice: the sender's Run was called twice")

// SenderConfig is the encoder's settings. The zero value is a good voice
// call: 28 kbit/s, FEC tuned for 10 % loss.
type SenderConfig struct {
	// Bitrate in bits per second; 0 means 28000. Opus needs about
	// 24 kbit/s to carry in-band FEC for wideband speech; below 6000 or
	// above 128000 is refused.
	Bitrate int
	// LossPercent is the packet loss the encoder expects, which sets how
	// much of each packet carries the previous one again (in-band FEC);
	// 0 means 10. −1 turns FEC off.
	LossPercent int
	// Complexity of the encoder, 1..10; 0 means 10 (about 2 % of one
	// core here: see BenchmarkEncode).
	Complexity int
}

// SenderStats counts what the Sender did.
type SenderStats struct {
	Packets uint64 // packets handed to send
	Dropped uint64 // samples Push dropped because the encoder was behind
	Muted   uint64 // samples not sent because the sender was muted
}

// ReceiverConfig is the jitter buffer's settings. The zero value is right
// for a call.
type ReceiverConfig struct {
	// MinDelay is the least target delay; 0 means 20 ms.
	MinDelay time.Duration
	// MaxDelay is the most target delay, whatever the jitter; 0 means
	// 400 ms (past G.114's 150 ms one way, but better late than choppy
	// on a bad link; the delay falls back once the link calms).
	MaxDelay time.Duration
	// MaxStall is how long the receiver conceals when nothing at all is
	// buffered before it goes silent and starts afresh at the next
	// packet; 0 means 300 ms.
	MaxStall time.Duration
	// NoFEC turns off decoding a lost packet from the next one's in-band
	// FEC (plain concealment instead); for measuring what FEC is worth.
	NoFEC bool
	// Now is the playout clock Pull reads, on the same time line as Put's
	// arrival times; nil means time.Now. Tests pass a virtual clock.
	Now func() time.Time
}

// ReceiverStats is the jitter buffer's state and counters since
// NewReceiver.
type ReceiverStats struct {
	Playing bool          // false before the first packet and after a stall (silence)
	Target  time.Duration // the delay the buffer steers to
	Delay   time.Duration // how long the fastest packets wait now (0 when not playing)
	Jitter  time.Duration // 97th percentile of transit above the fastest, last 3 s

	Packets   uint64 // packets Put
	Invalid   uint64 // refused: empty, too big, not one 20 ms Opus packet, or outside the window
	Duplicate uint64 // refused: already buffered
	Late      uint64 // refused: arrived after they were due

	Lost         uint64 // packets missing when due (FEC-recovered or concealed)
	FECRecovered uint64 // of Lost, decoded from the next packet's FEC
	Concealed    uint64 // 10 ms frames made up by Opus concealment (losses, stalls)
	Dropped      uint64 // 10 ms frames dropped to bring the delay down (and stale packets skipped at a start)
	Stretched    uint64 // 10 ms frames inserted to bring the delay up
	Stalls       uint64 // times the buffer ran dry for longer than MaxStall (then silence)
	DecodeErrors uint64 // packets the decoder refused (concealed instead)
}
