package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ra-p2p/ra-p2p/channel/filetransfer"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/p2p"
)

// fileConfig is the optional config file, $XDG_CONFIG_HOME/ra-p2p/config.json.
// Zero value valid: no file means the public DHT.
type fileConfig struct {
	// Bootstrap peers as multiaddrs with /p2p/ID; empty = the public DHT.
	Bootstrap []string `json:"bootstrap"`
	// Name is the helper's name as the people they help see it, chosen
	// once when asked (`ra-p2p help`); "" = not chosen yet: ask.
	Name string `json:"name,omitempty"`
	// Downloads is where received files are saved; "" = ~/Downloads/ra-p2p.
	Downloads string `json:"downloads,omitempty"`
}

func configDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w", err)
	}
	return filepath.Join(d, "ra-p2p"), nil
}

func loadFileConfig() (fileConfig, error) {
	var c fileConfig
	d, err := configDir()
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(filepath.Join(d, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, usageError{fmt.Sprintf("the config file %s is not valid JSON: %v", filepath.Join(d, "config.json"), err)}
	}
	return c, nil
}

// rememberName keeps the helper's chosen name in the config file, beside
// what the file already says (written whole, then renamed into place).
func rememberName(name string) error {
	c, err := loadFileConfig()
	if err != nil {
		return err
	}
	c.Name = name
	d, err := configDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return fmt.Errorf("making the config directory: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	tmp := filepath.Join(d, "config.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(d, "config.json")); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	return nil
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
