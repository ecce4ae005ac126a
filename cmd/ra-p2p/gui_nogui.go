//go:build nogui

package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/window"
)

// This is the terminal-only build (ra-p2p-nogui): no windows, no display
// needed. The windowed ra-p2p execs it when there is no display.

func useGUI(bool) bool { return false }

var errNoWindows = errors.New("this build of ra-p2p has no windows; use --no-gui")

func helpInWindow(context.Context, session.HelpConfig, window.Config) error { return errNoWindows }

func inviteInWindow(context.Context, session.NoviceConfig, window.Config) error { return errNoWindows }

func homeInWindow(context.Context, homeStart, *slog.Logger) error { return errNoWindows }
