// Command writeicons writes ra-p2p's icon as PNG files for the desktop:
// DIR/NxN/ra-p2p.png for each of appicon.PackagedSizes, the layout of the
// hicolor icon theme (share/icons/hicolor/NxN/apps/ra-p2p.png), so make
// install and the Debian package copy them as they are. `go generate
// ./internal/appicon` runs it on packaging/icons, whose files are committed:
// building or installing ra-p2p needs no Go program to run first.
package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/ra-p2p/ra-p2p/internal/appicon"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writeicons DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "writeicons:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	for _, n := range appicon.PackagedSizes {
		var b bytes.Buffer
		if err := png.Encode(&b, appicon.Draw(n)); err != nil {
			return fmt.Errorf("encoding the %d px icon: %w", n, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%dx%d", n, n), "ra-p2p.png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("making the folder for %s: %w", path, err)
		}
		// Through a temporary file and a rename, so an interrupted run
		// never leaves a half-written icon to be committed.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", tmp, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("putting %s in place: %w", path, err)
		}
	}
	return nil
}
