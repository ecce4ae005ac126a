// Package quietx keeps the X library quiet from the first moment: Ebiten
// connects to X while its packages initialise, before main runs, and the
// X library says "Could not get authority info" on stderr at each
// connection to a display that needs no cookie (Xvfb, some kiosks). A
// program imports it for its side effect; SetLogger gives the messages
// back (--verbose).
//
// It must never import anything but the X library and the standard
// library: it is initialised early only while it waits for nothing else.
package quietx

import (
	"io"
	"log"

	"github.com/jezek/xgb"
)

func init() { xgb.Logger = log.New(io.Discard, "", 0) }

// SetLogger sends the X library's messages to l.
func SetLogger(l *log.Logger) { xgb.Logger = l }
