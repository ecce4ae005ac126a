//go:build !cgo

package audio

// This build has no sound: miniaudio (malgo) needs cgo, and builds without
// it (the Windows .exe) carry this stand-in instead. It declares the
// functions and methods audio.go and duplex.go declare (nosound_test.go
// keeps the two in step; their documentation is there; the types and
// errors both share are in api.go) and says, every time it is asked, that
// voice cannot work: Available and Open return ErrNoSoundSystem, wrapped
// with the reason, so Start Talking is shown disabled with it. It never
// pretends a device exists.

import (
	"fmt"
	"time"
)

// errNoCgo is why: the reason a person reads under the disabled button.
var errNoCgo = fmt.Errorf("this build of ra-p2p has no sound (it was built without cgo, which the sound system needs): %w", ErrNoSoundSystem)

// Available says this build has no sound.
func Available() error { return errNoCgo }

// Microphones says this build has no sound.
func Microphones() ([]Device, error) { return nil, errNoCgo }

// Speakers says this build has no sound.
func Speakers() ([]Device, error) { return nil, errNoCgo }

// Duplex is never made in this build.
type Duplex struct{}

// Open says this build has no sound.
func Open(cfg Config) (*Duplex, error) { return nil, errNoCgo }

func (d *Duplex) Latency() time.Duration { return 0 }

func (d *Duplex) Stats() Stats { return Stats{} }

func (d *Duplex) ThreadState() string { return "" }

func (d *Duplex) Close() error { return nil }
