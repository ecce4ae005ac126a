//go:build !nogui

package main

import (
	"context"
	"os"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/window"
)

// useGUI says whether to open windows: not with --no-gui, and only when
// there is a display to open them on.
func useGUI(noGUI bool) bool {
	return !noGUI && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "")
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
