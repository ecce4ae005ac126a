//go:build !windows

package main

import "os"

// hasDisplay says whether this computer has a screen to share (X11).
func hasDisplay() bool { return os.Getenv("DISPLAY") != "" }

// canOpenWindows says whether there is a display to open windows on.
func canOpenWindows() bool { return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" }
