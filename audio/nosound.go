//go:build !cgo

package audio

// This build has no sound: miniaudio (malgo) needs cgo, and builds without
// it (the Windows .exe) carry this stand-in instead. It declares what
// audio.go and duplex.go declare (nosound_test.go keeps the two in step;
// their documentation is there) and says, every time it is asked, that
// voice cannot work: Available and Open return ErrNoSoundSystem, wrapped
// with the reason, so Start Talking is shown disabled with it. It never
// pretends a device exists.

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

const (
	SampleRate   = 48000 // Hz; mono, int16
	FrameSamples = 480   // samples per Process call: 10 ms at SampleRate
)

var (
	ErrNoSoundSystem = errors.New("audio: no sound system was found")
	ErrNoDevice      = errors.New("audio: no such device")
)

// errNoCgo is why: the reason a person reads under the disabled button.
var errNoCgo = fmt.Errorf("this build of ra-p2p has no sound (it was built without cgo, which the sound system needs): %w", ErrNoSoundSystem)

// Device is a microphone or a speaker (audio.go).
type Device struct {
	ID      string
	Name    string
	Default bool
}

// Available says this build has no sound.
func Available() error { return errNoCgo }

// Microphones says this build has no sound.
func Microphones() ([]Device, error) { return nil, errNoCgo }

// Speakers says this build has no sound.
func Speakers() ([]Device, error) { return nil, errNoCgo }

// Config is what Open would open (duplex.go).
type Config struct {
	Microphone string
	Speaker    string
	Play       func(speaker []int16)
	Capture    func(mic, played []int16)
	Log        *slog.Logger
}

// Duplex is never made in this build.
type Duplex struct{}

// Open says this build has no sound.
func Open(cfg Config) (*Duplex, error) { return nil, errNoCgo }

func (d *Duplex) Latency() time.Duration { return 0 }

// Stats is a device's counters (duplex.go).
type Stats struct {
	Callbacks, Frames, Dropped int64
}

func (d *Duplex) Stats() Stats { return Stats{} }

func (d *Duplex) Close() error { return nil }
