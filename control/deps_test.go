package control

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package to its job (doc.go): it decides and injects
// input on the novice's own display, and knows nothing about the network,
// the wire format or the windows. Only direct imports are checked; xgb
// itself needs package net for the X connection.
func TestImports(t *testing.T) {
	forbidden := map[string]string{
		"net/http":                   "control must not send anything anywhere",
		"github.com/libp2p/":         "control knows nothing about peers; the session hands it events",
		"github.com/multiformats/":   "control knows nothing about peers",
		"github.com/ra-p2p/ra-p2p/":  "control is below stream, session, render and cmd: they use it, not the reverse",
		"github.com/hajimehoshi/":    "control must not depend on the GUI; the UI asks the novice and calls Decide",
		"github.com/ebitenui/":       "control must not depend on the GUI",
		"os/exec":                    "control runs no programs (xdotool is for the tests only)",
		"github.com/go-vgo/robotgo/": "only robotgo's root package is used (pointer injection); its screen, window and clipboard packages are not for the novice's side",
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
