package capture

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package away from the network: it reads the screen
// and hands frames to its caller, nothing else (see doc.go). Only direct
// imports are checked; xgb itself needs package net for the X connection.
func TestImports(t *testing.T) {
	forbidden := map[string]string{
		"net":                        "capture must not open connections other than xgb's X connection",
		"net/http":                   "capture must not send anything anywhere",
		"github.com/libp2p/":         "capture knows nothing about peers; the session moves frames",
		"github.com/multiformats/":   "capture knows nothing about peers",
		"github.com/ra-p2p/ra-p2p/":  "capture is a leaf: other packages use it, not the reverse",
		"github.com/hajimehoshi/":    "capture must not depend on the viewer's GUI",
		"github.com/go-vgo/robotgo":  "capture only reads the screen; input injection lives elsewhere",
		"github.com/jezek/xgb/xtest": "capture only reads the screen; input injection lives elsewhere",
		"github.com/klauspost/":      "encoding is the next stage's job",
		"os/exec":                    "capture runs no programs",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for bad, why := range forbidden {
				if path == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(path, bad) {
					t.Errorf("%s imports %s: %s", name, path, why)
				}
			}
		}
	}
}
