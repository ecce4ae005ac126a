package render

import (
	"os"
	"runtime/debug"
)

// tuneMemory sets the process's memory up for a window; it runs before the
// window opens (BenchmarkHelperMemory measures what it saves).
//   - Large blocks get mappings of their own (returnLargeBlocks), so the
//     textures a resize makes again do not pile up in malloc's arenas.
//   - The Go heap may grow to 1.5× what is live, not 2×: frames are most of
//     it and little garbage comes while viewing (the X pane draws through
//     shared memory), so this costs a collection every few seconds and
//     holds ~20 MB less at 1920x1080. GOGC, when set, still decides.
func tuneMemory() {
	returnLargeBlocks()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
