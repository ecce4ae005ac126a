//go:build !cgo

package voice

// This build has no Opus codec: libopus (github.com/hraban/opus) needs
// cgo, and builds without it (the Windows .exe) carry this stand-in. It
// declares the functions, methods and types sender.go and receiver.go
// declare (noopus_test.go keeps them in step; their documentation is
// there; the settings and counters both share are in settings.go), and
// NewSender and NewReceiver fail with ErrNoCodec: nothing is ever encoded
// or decoded. In such a build audio.Available says there is no sound
// either, so a call never gets this far.

import (
	"context"
	"errors"
	"time"
)

// ErrNoCodec is NewSender's and NewReceiver's error in a build without cgo.
var ErrNoCodec = errors.New("voice: this build of ra-p2p has no Opus codec (it was built without cgo)")

// Sender is never made in this build.
type Sender struct{}

// NewSender returns ErrNoCodec.
func NewSender(cfg SenderConfig) (*Sender, error) { return nil, ErrNoCodec }

func (s *Sender) Push(pcm []int16) {}

func (s *Sender) SetMuted(muted bool) {}

func (s *Sender) Stats() SenderStats { return SenderStats{} }

func (s *Sender) Run(ctx context.Context, send func(Packet) error) error { return ErrNoCodec }

// Receiver is never made in this build.
type Receiver struct{}

// NewReceiver returns ErrNoCodec.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) { return nil, ErrNoCodec }

func (r *Receiver) Put(p Packet, arrival time.Time) {}

func (r *Receiver) Pull(out []int16) { clear(out) }

func (r *Receiver) Stats() ReceiverStats { return ReceiverStats{} }
