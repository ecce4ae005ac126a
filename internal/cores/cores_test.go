package cores

import (
	"runtime"
	"testing"
)

// TestOneUntilAllOrRelease: a share narrows the process to one thread; a
// call beside it widens it while it lasts, whatever shares hold; a release
// counts once however often it is called; the last release of all gives
// the default back.
func TestOneUntilAllOrRelease(t *testing.T) {
	if user {
		t.Skip("GOMAXPROCS is set in the environment: the package leaves it alone")
	}
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	if def == 1 {
		t.Skip("this machine has one CPU: narrowing changes nothing to see")
	}
	want := func(what string, n int) {
		t.Helper()
		if got := runtime.GOMAXPROCS(0); got != n {
			t.Fatalf("%s: GOMAXPROCS %d, want %d", what, got, n)
		}
	}
	releaseShare := One()
	want("the screen shared", 1)
	releaseOther := One()
	releaseCall := All()
	want("a call beside it", def)
	releaseCall()
	releaseCall() // a second release must not end another hold
	want("the call over", 1)
	releaseShare()
	want("one of two shares over", 1)
	releaseOther()
	want("every share over", def)
	releaseShare()
	want("a share released twice", def)
}
