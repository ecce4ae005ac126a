//go:build !nogui

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/window"
)

// useGUI says whether to open windows: not with --no-gui, and only when
// there is a display to open them on.
func useGUI(noGUI bool) bool {
	return !noGUI && canOpenWindows()
}

// glPane is RA_P2P_PANE=gl: draw the remote screen with OpenGL (for
// comparison with the X pane).
func glPane() bool { return os.Getenv("RA_P2P_PANE") == "gl" }

func helpInWindow(ctx context.Context, cfg session.HelpConfig, wc window.Config) error {
	wc.GLPane = glPane()
	return window.RunHelper(ctx, cfg, wc)
}

// inviteInWindow adds remote control to the novice's channels (the window
// asks the novice, and the X11 injector and ESC watcher exist only in this
// build) and runs the novice's window.
func inviteInWindow(ctx context.Context, cfg session.NoviceConfig, wc window.Config) error {
	inv := cfg.Entry.Invitation
	ctl := &remotecontrol.Novice{Enabled: !inv.NoControl, Log: cfg.Logger}
	cfg.Channels = append(cfg.Channels, ctl)
	return window.RunNovice(ctx, cfg, wc, ctl)
}

// homeInWindow shows the home window (ra-p2p with no command, on a
// display) and then becomes what the person chose: this program again as
// `invite FLAGS --resume FILE` or `help FLAGS ARG`, in the same process
// (exec), so the next window opens as it would from a terminal. It returns only on error
// or when the window was closed.
func homeInWindow(ctx context.Context, start homeStart, logger *slog.Logger) error {
	flags := start.flags
	storeDir, err := invite.DefaultStoreDir()
	if err != nil {
		return fmt.Errorf("finding where invitations are kept: %w", err)
	}
	dataDir, err := dataHome()
	if err != nil {
		return err
	}
	fc, err := loadFileConfig()
	if err != nil {
		return err
	}
	name := defaultName()
	if name == "Your helper" {
		name = ""
	}
	choice, err := window.RunHome(ctx, window.HomeConfig{Logger: logger, FullName: name, Store: invite.Store{Dir: storeDir}, Notice: start.notice,
		Folder: filepath.Join(dataDir, "ra-p2p", "invitations"), Bootstrap: fc.Bootstrap})
	if errors.Is(err, render.ErrClosed) || errors.Is(err, context.Canceled) {
		return nil // closed, or asked to end (SIGTERM, Ctrl-C)
	}
	if err != nil {
		return err
	}
	args := append([]string{"help"}, flags...)
	args = append(args, choice.Help)
	if choice.InviteFile != "" {
		args = append(append([]string{"invite"}, flags...), "--resume", choice.InviteFile)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("starting %s: %w", args[0], err)
	}
	return syscall.Exec(exe, append([]string{os.Args[0]}, args...), os.Environ())
}

// dataHome is $XDG_DATA_HOME, else ~/.local/share.
func dataHome() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home folder: %w", err)
	}
	return filepath.Join(home, ".local", "share"), nil
}
