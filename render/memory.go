package render

import (
	"os"
	"runtime/debug"
)

// tightenHeap lets the helper's Go heap grow to 1.5× what is live, not 2×,
// unless the user set GOGC. The received frames are most of the helper's
// heap and little garbage comes while viewing (the X pane draws through
// shared memory), so this costs a collection every few seconds more and
// holds ~20 MB less at 1920x1080 (BenchmarkHelperMemory). Not for the
// novice: her screen's encoder makes garbage at every update, and her CPU
// is the scarce thing there.
func tightenHeap() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
