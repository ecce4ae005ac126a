package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// File is what the config file says. The zero value is valid.
type File struct {
	// Bootstrap peers as multiaddrs with /p2p/ID; empty = the public DHT.
	Bootstrap []string `json:"bootstrap"`
	// Name is the helper's name as the people they help see it, chosen
	// once when asked (`ra-p2p help`); "" = not chosen yet: ask.
	Name string `json:"name,omitempty"`
	// Downloads is where received files are saved; "" = ~/Downloads/ra-p2p.
	Downloads string `json:"downloads,omitempty"`
	// Screen is the screen quality the helper chose last (Settings), used
	// again in the next session; zero = the default preset.
	Screen Screen `json:"screen,omitzero"`
	// Microphone and Speaker are the sound devices a call uses (their IDs
	// as the sound system names them); "" = the system's default.
	Microphone string `json:"microphone,omitempty"`
	Speaker    string `json:"speaker,omitempty"`
	// InvitationFilesOff is set by `ra-p2p --unregister` on Windows: the
	// user does not want invitation files to open with ra-p2p, so the
	// program no longer registers them when it starts.
	InvitationFilesOff bool `json:"invitation_files_off,omitempty"`
}

// Screen is the helper's choice of screen quality as the file keeps it
// (cmd/ra-p2p copies it to and from channel/screenshare.Quality, which
// says what each value means). Only the shape is checked here: a preset
// name this version does not know, written by a newer one, is the
// default preset there, not a damaged file.
type Screen struct {
	Preset   string `json:"preset,omitempty"` // "balanced", "custom", …; "" = the default
	MaxFPS   int    `json:"max_fps,omitempty"`
	Colours  string `json:"colours,omitempty"` // "", "65536", "256" or "grey"
	Scale    int    `json:"scale,omitempty"`   // percent
	JPEG     int    `json:"jpeg_quality,omitempty"`
	Lossless bool   `json:"lossless,omitempty"`
}

// Limits of a file a person would write; beyond them it is damaged.
const (
	MaxSize      = 64 << 10
	MaxBootstrap = 64
	MaxDeviceID  = 512
	MaxName      = stream.MaxNameRunes // what the peer is shown at most
)

// ErrInvalid marks a config file that exists but cannot be used.
var ErrInvalid = errors.New("config: invalid file")

// Path is the config file's path.
func Path() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w", err)
	}
	return filepath.Join(d, "ra-p2p", "config.json"), nil
}

// Load reads the config file; a missing file is the zero File.
func Load() (File, error) {
	path, err := Path()
	if err != nil {
		return File{}, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return File{}, nil
	}
	if err != nil {
		return File{}, fmt.Errorf("reading the config file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return File{}, fmt.Errorf("%w: %s is not a regular file; remove it or put the config file there", ErrInvalid, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return File{}, fmt.Errorf("reading the config file %s: %w", path, err)
	}
	c, err := Parse(b)
	if err != nil {
		return File{}, fmt.Errorf("the config file %s: %w; mend or remove it", path, err)
	}
	return c, nil
}

// Parse decodes and checks a config file's bytes: valid JSON of the
// expected shape, within the limits, every bootstrap address a peer
// address with /p2p/ID. Errors wrap ErrInvalid.
func Parse(b []byte) (File, error) {
	var c File
	if len(b) > MaxSize {
		return c, fmt.Errorf("%w: larger than %d KiB", ErrInvalid, MaxSize>>10)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return File{}, fmt.Errorf("%w: not valid JSON: %v", ErrInvalid, err)
	}
	if len(c.Bootstrap) > MaxBootstrap {
		return File{}, fmt.Errorf("%w: %d bootstrap peers, at most %d", ErrInvalid, len(c.Bootstrap), MaxBootstrap)
	}
	if _, err := p2p.ParseAddrInfos(c.Bootstrap); err != nil {
		return File{}, fmt.Errorf("%w: \"bootstrap\": %v", ErrInvalid, err)
	}
	if !utf8.ValidString(c.Name) || utf8.RuneCountInString(c.Name) > MaxName {
		return File{}, fmt.Errorf("%w: \"name\" is not text of at most %d characters", ErrInvalid, MaxName)
	}
	if c.Downloads != "" && !utf8.ValidString(c.Downloads) {
		return File{}, fmt.Errorf("%w: \"downloads\" is not a valid folder name", ErrInvalid)
	}
	for name, id := range map[string]string{"microphone": c.Microphone, "speaker": c.Speaker} {
		if !utf8.ValidString(id) || len(id) > MaxDeviceID {
			return File{}, fmt.Errorf("%w: %q is not a sound device's name of at most %d bytes", ErrInvalid, name, MaxDeviceID)
		}
	}
	if err := c.Screen.check(); err != nil {
		return File{}, fmt.Errorf("%w: \"screen\": %v", ErrInvalid, err)
	}
	return c, nil
}

// Limits of Screen's values (screen.Settings's).
const (
	MaxPresetName = 32
	MaxFPS        = 240
	MinScale      = 10
)

// check says what is wrong with s, naming the field and its limits.
func (s Screen) check() error {
	for _, r := range s.Preset {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return errors.New(`"preset" is not a name of lowercase letters, digits and dashes`)
		}
	}
	switch {
	case len(s.Preset) > MaxPresetName:
		return fmt.Errorf(`"preset" is longer than %d letters`, MaxPresetName)
	case s.MaxFPS < 0 || s.MaxFPS > MaxFPS:
		return fmt.Errorf(`"max_fps" is not between 0 and %d`, MaxFPS)
	case s.Scale != 0 && (s.Scale < MinScale || s.Scale > 100):
		return fmt.Errorf(`"scale" is not a percentage between %d and 100`, MinScale)
	case s.JPEG < 0 || s.JPEG > 100:
		return errors.New(`"jpeg_quality" is not between 0 and 100`)
	}
	switch s.Colours {
	case screen.ColoursFull, screen.Colours65536, screen.Colours256, screen.ColoursGrey:
		return nil
	}
	return fmt.Errorf(`"colours" is none of "", %q, %q and %q`, screen.Colours65536, screen.Colours256, screen.ColoursGrey)
}

// Save writes c as the config file, whole, then renames it into place, so a
// crash never leaves half a file.
func Save(c File) error {
	path, err := Path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("making the config directory: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	return nil
}
