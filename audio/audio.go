//go:build cgo

package audio

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"unicode"

	"github.com/gen2brain/malgo"
)

// backend is a sound system this package may use, in order of preference.
type backend struct {
	id   malgo.Backend
	name string // the ID prefix
	long string // for people
}

// backends never lists the null backend: a device that plays into nothing
// must not look like working voice.
var backends = []backend{
	{malgo.BackendPulseaudio, "pulse", "PulseAudio/PipeWire"},
	{malgo.BackendAlsa, "alsa", "ALSA"},
}

// Available says why voice cannot work here (ErrNoSoundSystem, with the
// reasons) or nil when there is a sound system with at least one
// microphone and one speaker. It takes about as long as connecting to the
// sound server.
func Available() error {
	c, err := openContext(nil)
	if err != nil {
		return err
	}
	defer c.close()
	return c.usable()
}

// Microphones lists the devices that capture sound (with PulseAudio and
// PipeWire this includes the "Monitor of …" sources, which hear what a
// speaker plays). ErrNoSoundSystem when there is no sound system.
func Microphones() ([]Device, error) { return list(malgo.Capture) }

// Speakers lists the devices that play sound. ErrNoSoundSystem when there
// is no sound system.
func Speakers() ([]Device, error) { return list(malgo.Playback) }

func list(kind malgo.DeviceType) ([]Device, error) {
	c, err := openContext(nil)
	if err != nil {
		return nil, err
	}
	defer c.close()
	infos, err := c.devices(kind)
	if err != nil {
		return nil, err
	}
	out := make([]Device, len(infos))
	for i, info := range infos {
		out[i] = Device{ID: c.backend.deviceID(info.ID), Name: info.Name(), Default: info.IsDefault != 0}
	}
	return out, nil
}

// deviceID makes a Device.ID: the backend's own name for the device when
// it is printable (PulseAudio's source and sink names, ALSA's "hw:1,0"),
// else its bytes in hex.
func (b backend) deviceID(id malgo.DeviceID) string {
	raw := id[:]
	if i := indexZero(raw); i >= 0 {
		raw = raw[:i]
	}
	text := string(raw)
	printable := len(text) > 0 && !strings.HasPrefix(text, "#") && strings.IndexFunc(text, func(r rune) bool {
		return r == unicode.ReplacementChar || !unicode.IsPrint(r)
	}) < 0 && allZero(id[len(raw):])
	if printable {
		return b.name + ":" + text
	}
	return b.name + ":#" + id.String()
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// soundContext is a miniaudio context on one backend.
type soundContext struct {
	ctx     *malgo.AllocatedContext
	backend backend
}

// openContext connects to the first sound system that answers. logf, if
// not nil, gets miniaudio's log lines (from any thread).
func openContext(logf func(string)) (*soundContext, error) {
	name := []byte("ra-p2p\x00")
	var pin runtime.Pinner // miniaudio copies the name during InitContext
	pin.Pin(&name[0])
	defer pin.Unpin()
	var cfg malgo.ContextConfig
	cfg.Pulse.PApplicationName = &name[0]
	cfg.Pulse.TryAutoSpawn = 0 // never start a sound server
	if logf == nil {
		logf = func(string) {}
	}
	var reasons []string
	for _, b := range backends {
		ctx, err := malgo.InitContext([]malgo.Backend{b.id}, cfg, logf)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("%s: %v", b.long, err))
			continue
		}
		return &soundContext{ctx: ctx, backend: b}, nil
	}
	return nil, fmt.Errorf("%w (%s)", ErrNoSoundSystem, strings.Join(reasons, "; "))
}

// devices lists the backend's devices of a kind, without ALSA's "null"
// PCM (it discards what it plays and records silence: a device that would
// make voice look like it works).
func (c *soundContext) devices(kind malgo.DeviceType) ([]malgo.DeviceInfo, error) {
	infos, err := c.ctx.Devices(kind)
	if err != nil {
		return nil, fmt.Errorf("listing %s devices: %w", c.backend.long, err)
	}
	return slices.DeleteFunc(infos, func(info malgo.DeviceInfo) bool {
		id := c.backend.deviceID(info.ID)
		return c.backend.id == malgo.BackendAlsa && (id == "alsa:null" || strings.HasPrefix(id, "alsa:null:"))
	}), nil
}

// usable says ErrNoSoundSystem unless the backend has a microphone and a
// speaker.
func (c *soundContext) usable() error {
	mics, err := c.devices(malgo.Capture)
	if err != nil {
		return err
	}
	speakers, err := c.devices(malgo.Playback)
	if err != nil {
		return err
	}
	switch {
	case len(mics) == 0 && len(speakers) == 0:
		return fmt.Errorf("%w: %s has no microphone and no speaker", ErrNoSoundSystem, c.backend.long)
	case len(mics) == 0:
		return fmt.Errorf("%w: %s has no microphone", ErrNoSoundSystem, c.backend.long)
	case len(speakers) == 0:
		return fmt.Errorf("%w: %s has no speaker", ErrNoSoundSystem, c.backend.long)
	}
	return nil
}

// find returns the device called id, nil for "" (the system's default).
func (c *soundContext) find(kind malgo.DeviceType, id string) (*malgo.DeviceID, error) {
	if id == "" {
		return nil, nil
	}
	what := "microphone"
	if kind == malgo.Playback {
		what = "speaker"
	}
	if !strings.HasPrefix(id, c.backend.name+":") {
		return nil, fmt.Errorf("%w: %s %q is not a %s device (%s is the sound system now)", ErrNoDevice, what, id, c.backend.long, c.backend.long)
	}
	infos, err := c.devices(kind)
	if err != nil {
		return nil, err
	}
	for _, info := range infos {
		if c.backend.deviceID(info.ID) == id {
			found := new(malgo.DeviceID)
			*found = info.ID
			return found, nil
		}
	}
	return nil, fmt.Errorf("%w: %s has no %s %q (unplugged?)", ErrNoDevice, c.backend.long, what, id)
}

func (c *soundContext) close() error {
	err := c.ctx.Uninit()
	c.ctx.Free()
	if err != nil {
		return fmt.Errorf("closing the %s context: %w", c.backend.long, err)
	}
	return nil
}
