//go:build nogui

package main

import (
	"context"
	"errors"

	"github.com/ra-p2p/ra-p2p/session"
)

// This is the terminal-only build (ra-p2p-nogui): no windows, no display
// needed. The windowed ra-p2p execs it when there is no display.

func useGUI(bool) bool { return false }

var errNoWindows = errors.New("this build of ra-p2p has no windows; use --no-gui")

func helpInWindow(context.Context, session.HelpConfig, bool, *terminal) error { return errNoWindows }

func inviteInWindow(context.Context, session.NoviceConfig, bool, *terminal) error {
	return errNoWindows
}
