package fileassoc

import (
	"testing"

	"github.com/ra-p2p/ra-p2p/internal/buildparity"
)

// TestBuildsMatch: the Windows registration and the stand-in of other
// systems declare the same API, so that cmd/ra-p2p builds for both.
func TestBuildsMatch(t *testing.T) {
	buildparity.Check(t, ".", "windows", "!windows")
}

func TestCommandQuotesPaths(t *testing.T) {
	got := Command(`C:\Program Files\ra-p2p\ra-p2p.exe`)
	want := `"C:\Program Files\ra-p2p\ra-p2p.exe" help "%1"`
	if got != want {
		t.Fatalf("Command = %s, want %s", got, want)
	}
}
