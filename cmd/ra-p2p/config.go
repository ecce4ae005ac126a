package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/channel/filetransfer"
	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/channel/voicecall"
	"github.com/ra-p2p/ra-p2p/config"
	"github.com/ra-p2p/ra-p2p/p2p"
)

// loadFileConfig reads the config file; a damaged one is the user's to
// mend, said as a usage error.
func loadFileConfig() (config.File, error) {
	c, err := config.Load()
	if errors.Is(err, config.ErrInvalid) {
		return c, usageError{err.Error()}
	}
	return c, err
}

// rememberName keeps the helper's chosen name in the config file, beside
// what the file already says.
func rememberName(name string) error {
	c, err := config.Load()
	if err != nil {
		return err
	}
	c.Name = name
	return config.Save(c)
}

// screenQuality is the screen quality the helper chose last (the config
// file's), for the window to start with.
func screenQuality() (screenshare.Quality, error) {
	c, err := loadFileConfig()
	s := c.Screen
	return screenshare.Quality{Preset: s.Preset, MaxFPS: s.MaxFPS, Colours: s.Colours, Scale: s.Scale, JPEG: s.JPEG, Lossless: s.Lossless}, err
}

// rememberQuality keeps the screen quality chosen in the window's Settings
// in the config file, beside what the file already says.
func rememberQuality(q screenshare.Quality) error {
	c, err := config.Load()
	if err != nil {
		return err
	}
	c.Screen = config.Screen{Preset: q.Preset, MaxFPS: q.MaxFPS, Colours: q.Colours, Scale: q.Scale, JPEG: q.JPEG, Lossless: q.Lossless}
	return config.Save(c)
}

// rememberDevices keeps the microphone and speaker chosen in the window's
// Settings in the config file, beside what the file already says.
func rememberDevices(microphone, speaker string) error {
	c, err := config.Load()
	if err != nil {
		return err
	}
	c.Microphone, c.Speaker = microphone, speaker
	return config.Save(c)
}

// bootstrapList picks the bootstrap peers: flags first, then the config
// file; nil means "use what the invitation says, else the public DHT".
func bootstrapList(flags []string) ([]string, []peer.AddrInfo, error) {
	list := flags
	if len(list) == 0 {
		c, err := loadFileConfig()
		if err != nil {
			return nil, nil, err
		}
		list = c.Bootstrap
	}
	if len(list) == 0 {
		return nil, nil, nil
	}
	infos, err := p2p.ParseAddrInfos(list)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	return list, infos, nil
}

// filesFlag registers --downloads.
func filesFlag(fs *flag.FlagSet) *string {
	return fs.String("downloads", "", "save received files in `DIR` (default: the config file's \"downloads\", else ~/Downloads/ra-p2p)")
}

// fileChannel is the session's file channel, saving into the folder
// --downloads names, or the config file, or ~/Downloads/ra-p2p.
func fileChannel(downloads string, logger *slog.Logger) (*filetransfer.Channel, error) {
	if downloads == "" {
		fc, err := loadFileConfig()
		if err != nil {
			return nil, err
		}
		downloads = fc.Downloads
	}
	if downloads == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("finding the folder for received files: %w; give one with --downloads", err)
		}
		downloads = filepath.Join(home, "Downloads", "ra-p2p")
	}
	return &filetransfer.Channel{Downloads: downloads, Log: logger}, nil
}

// voiceChannel is the voice channel, on the microphone and speaker of the
// config file (the system's default when it names none).
func voiceChannel(helper bool, logger *slog.Logger) (*voicecall.Channel, error) {
	fc, err := loadFileConfig()
	if err != nil {
		return nil, err
	}
	return &voicecall.Channel{Helper: helper, Microphone: fc.Microphone, Speaker: fc.Speaker, Log: logger}, nil
}
