//go:build linux

package timerslack

import (
	"time"

	"golang.org/x/sys/unix"
)

// KernelDefault is the slack a thread starts with when nothing set one.
const KernelDefault = 50 * time.Microsecond

// Precise sets the calling OS thread's slack back to the kernel's default.
// Call it from a thread that keeps a deadline (a C thread's callback runs
// on that thread); a goroutine may move between threads, so calling it from
// one changes an arbitrary thread.
func Precise() error {
	return unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(KernelDefault.Nanoseconds()), 0, 0, 0)
}
