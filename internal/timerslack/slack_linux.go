//go:build linux

package timerslack

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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

// Of is thread (or process) tid's slack, as /proc/TID/timerslack_ns says
// it: for tests and measurements.
func Of(tid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid))
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading the timer slack of %d: %w", tid, err)
	}
	return time.Duration(ns), nil
}
