package audio

// The declarations both builds share: with cgo (audio.go, duplex.go:
// miniaudio through malgo) and without (nosound.go, the stand-in of the
// Windows .exe). Only functions and methods differ between them, and
// nosound_test.go keeps those in step.

import (
	"errors"
	"log/slog"
)

const (
	SampleRate   = 48000 // Hz; mono, int16
	FrameSamples = 480   // samples per Process call: 10 ms at SampleRate
)

var (
	// ErrNoSoundSystem means neither a PulseAudio-protocol sound server
	// (PipeWire or PulseAudio) nor ALSA devices were found: voice cannot
	// work here. The error wrapping it says what each sound system said.
	ErrNoSoundSystem = errors.New("audio: no sound system was found")
	// ErrNoDevice means a Device.ID names no device that exists now (it
	// may have been unplugged, or it was chosen under another sound system).
	ErrNoDevice = errors.New("audio: no such device")
)

// Device is a microphone or a speaker.
type Device struct {
	// ID names the device for Config and for a configuration file: stable
	// across runs for as long as the device exists, opaque to callers
	// ("pulse:alsa_input.usb-…", "alsa:hw:1,0").
	ID      string
	Name    string // what the sound system calls it, for people
	Default bool   // the system's default device of its kind
}

// Config says which devices to open and what to do with the sound. The
// zero value opens the system's default microphone and speaker and plays
// silence.
type Config struct {
	Microphone string // a Device.ID from Microphones; "" = the system's default
	Speaker    string // a Device.ID from Speakers; "" = the system's default

	// Play runs on the audio thread whenever the speaker needs sound and
	// fills speaker (FrameSamples, zeroed before the call) with the next
	// 10 ms to play. nil: silence.
	Play func(speaker []int16)
	// Capture runs on the audio thread once per 10 ms with exactly
	// FrameSamples of what the microphone heard, and the FrameSamples the
	// speaker played at that same moment: an echo canceller's reference,
	// whose echo then always follows at the device's own round trip,
	// whatever period the sound server runs at (a frame made for the
	// speaker waits a varying while before it plays; a frame played does
	// not). nil: the microphone is not heard.
	Capture func(mic, played []int16)
	// Both slices are reused after the call returns. Neither may block: a
	// late call is a gap in what both sides hear.

	Log *slog.Logger // nil: slog.Default()
}

// Stats says how the device has run so far: device callbacks, Capture
// calls (frames) and samples dropped because a buffer was full.
type Stats struct {
	Callbacks, Frames, Dropped int64
}
