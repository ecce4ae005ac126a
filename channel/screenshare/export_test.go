package screenshare

import (
	"testing"
	"time"
)

// SetWarpedPointerPoll sets how often a still pointer whose motion is
// watched is polled, until the test ends.
func SetWarpedPointerPoll(t *testing.T, d time.Duration) {
	old := pointerWarped
	pointerWarped = d
	t.Cleanup(func() { pointerWarped = old })
}
