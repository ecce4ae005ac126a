package render

import (
	"io/fs"
	"os"

	"github.com/hajimehoshi/ebiten/v2"
)

// droppedFiles hands the paths of files and folders dropped onto the window
// to Config.DropFiles (game goroutine). A drop while nobody is connected
// is said in the history, not lost without a word.
func (p *panel) droppedFiles() {
	fsys := ebiten.DroppedFiles()
	if fsys == nil || p.cfg.DropFiles == nil {
		return
	}
	if !p.connectedNow {
		p.appendLine(Entry{Text: "Nothing was sent: files can be sent while you are connected."})
		p.uiDirty = true
		return
	}
	if paths := droppedPaths(fsys); len(paths) > 0 {
		p.cfg.DropFiles(paths)
	}
}

// droppedPaths are the paths of what fsys holds at its root. Ebiten gives
// dropped files as a file system whose root lists them and whose files are
// the real ones (*os.File), which know their path; it has no list of
// paths to give.
func droppedPaths(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	var paths []string
	for _, e := range entries {
		f, err := fsys.Open(e.Name())
		if err != nil {
			continue
		}
		if osf, ok := f.(*os.File); ok {
			paths = append(paths, osf.Name())
		}
		f.Close()
	}
	return paths
}
