package voice

import (
	"testing"

	"github.com/ra-p2p/ra-p2p/internal/buildparity"
)

// TestNoOpusMatches: the stand-in of builds without cgo (noopus.go)
// declares what the real package declares (ErrNoCodec aside), so that a
// change to sender.go or receiver.go that callers use cannot break the
// Windows build unseen.
func TestNoOpusMatches(t *testing.T) {
	buildparity.Check(t, ".", "cgo", "!cgo", "var ErrNoCodec")
}
