package audio

import (
	"testing"

	"github.com/ra-p2p/ra-p2p/internal/buildparity"
)

// TestNoSoundMatches: the stand-in of builds without cgo (nosound.go)
// declares what the real package declares, so that a change to audio.go or
// duplex.go that callers use cannot break the Windows build unseen.
func TestNoSoundMatches(t *testing.T) {
	buildparity.Check(t, ".", "cgo", "!cgo")
}
