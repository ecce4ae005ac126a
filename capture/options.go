package capture

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by Grab after Close.
var ErrClosed = errors.New("capture: grabber is closed")

// Options configures a Grabber. The zero value is valid.
type Options struct {
	TileSize int // side of the comparison tiles in pixels; 0 = 64

	noShm bool // tests: force the GetImage path (X11 only)
}

// tileSize is opts' tile side, checked.
func (opts Options) tileSize() (int, error) {
	switch {
	case opts.TileSize == 0:
		return 64, nil
	case opts.TileSize < 0:
		return 0, fmt.Errorf("capture: tile size %d is negative", opts.TileSize)
	}
	return opts.TileSize, nil
}
