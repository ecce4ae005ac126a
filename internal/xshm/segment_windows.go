//go:build windows

package xshm

import (
	"errors"

	"github.com/jezek/xgb"
)

// errNoSysV: Windows has no System V shared memory (nor, for ra-p2p, an
// X server of its own): the X pane, which is never opened there, would
// fall back to PutImage.
var errNoSysV = errors.New("xshm: no System V shared memory on Windows")

// New says Windows has no System V shared memory.
func New(conn *xgb.Conn, size int) (*Segment, error) { return nil, errNoSysV }

// Release does nothing: New never made a segment.
func (s *Segment) Release(conn *xgb.Conn) error { return nil }
