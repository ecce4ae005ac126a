package render

import (
	"os"
	"runtime/debug"
)

// tightenHeap lets the helper's Go heap grow to 1.25× what is live, not
// 2×, unless the user set GOGC. The received frames are most of the
// helper's heap and little garbage comes while viewing (the X pane draws
// through shared memory, the screen's frames are read into one buffer), so
// this costs a collection every second or two, a fraction of a percent of
// a core, and holds ~8 MB less at 1280x800 than 1.5× did, which held ~20
// MB less at 1920x1080 than 2× (BenchmarkHelperMemory). Not for the
// novice: her screen's encoder makes garbage at every update, and her CPU
// is the scarce thing there.
func tightenHeap() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}
