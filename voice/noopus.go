//go:build !cgo

package voice

// This build has no Opus codec: libopus (github.com/hraban/opus) needs
// cgo, and builds without it (the Windows .exe) carry this stand-in. It
// declares what sender.go and receiver.go declare (noopus_test.go keeps
// them in step; their documentation is there), and NewSender and
// NewReceiver fail with ErrNoCodec: nothing is ever encoded or decoded. In
// such a build audio.Available says there is no sound either, so a call
// never gets this far.

import (
	"context"
	"errors"
	"time"
)

var ErrRunning = errors.New("voice: the sender's Run was called twice")

// ErrNoCodec is NewSender's and NewReceiver's error in a build without cgo.
var ErrNoCodec = errors.New("voice: this build of ra-p2p has no Opus codec (it was built without cgo)")

// SenderConfig is the encoder's settings (sender.go).
type SenderConfig struct {
	Bitrate     int
	LossPercent int
	Complexity  int
}

// SenderStats counts what the Sender did (sender.go).
type SenderStats struct {
	Packets uint64
	Dropped uint64
	Muted   uint64
}

// Sender is never made in this build.
type Sender struct{}

// NewSender returns ErrNoCodec.
func NewSender(cfg SenderConfig) (*Sender, error) { return nil, ErrNoCodec }

func (s *Sender) Push(pcm []int16) {}

func (s *Sender) SetMuted(muted bool) {}

func (s *Sender) Stats() SenderStats { return SenderStats{} }

func (s *Sender) Run(ctx context.Context, send func(Packet) error) error { return ErrNoCodec }

// ReceiverConfig is the jitter buffer's settings (receiver.go).
type ReceiverConfig struct {
	MinDelay time.Duration
	MaxDelay time.Duration
	MaxStall time.Duration
	NoFEC    bool
	Now      func() time.Time
}

// ReceiverStats is the jitter buffer's state and counters (receiver.go).
type ReceiverStats struct {
	Playing bool
	Target  time.Duration
	Delay   time.Duration
	Jitter  time.Duration

	Packets   uint64
	Invalid   uint64
	Duplicate uint64
	Late      uint64

	Lost         uint64
	FECRecovered uint64
	Concealed    uint64
	Dropped      uint64
	Stretched    uint64
	Stalls       uint64
	DecodeErrors uint64
}

// Receiver is never made in this build.
type Receiver struct{}

// NewReceiver returns ErrNoCodec.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) { return nil, ErrNoCodec }

func (r *Receiver) Put(p Packet, arrival time.Time) {}

func (r *Receiver) Pull(out []int16) { clear(out) }

func (r *Receiver) Stats() ReceiverStats { return ReceiverStats{} }
