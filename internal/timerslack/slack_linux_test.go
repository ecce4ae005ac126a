package timerslack

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// slackOf is thread tid's slack.
func slackOf(t *testing.T, tid int) time.Duration {
	t.Helper()
	d, err := Of(tid)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPreciseIsForItsThread: Precise gives the calling thread the kernel's
// default slack and leaves another thread's (given 2 ms here) alone.
func TestPreciseIsForItsThread(t *testing.T) {
	other := make(chan int)
	release := make(chan struct{})
	defer close(release)
	go func() {
		runtime.LockOSThread() // the thread ends with the goroutine: its slack goes with it
		if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(2*time.Millisecond), 0, 0, 0); err != nil {
			t.Error(err)
		}
		other <- unix.Gettid()
		<-release
	}()
	otherTid := <-other
	got := make(chan time.Duration)
	go func() {
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(3*time.Millisecond), 0, 0, 0); err != nil {
			t.Error(err)
		}
		if err := Precise(); err != nil {
			t.Error(err)
		}
		got <- slackOf(t, unix.Gettid())
	}()
	if s := <-got; s != KernelDefault {
		t.Errorf("after Precise: the thread's slack %v, want %v", s, KernelDefault)
	}
	if s := slackOf(t, otherTid); s != 2*time.Millisecond {
		t.Errorf("after Precise on another thread: that thread's slack %v, want 2ms", s)
	}
}
