//go:build linux && cgo

package timerslack

/*
#include <stdlib.h>
#include <sys/prctl.h>

// Runs when the program is loaded, before the Go runtime starts its
// threads (sysmon among them), which inherit the slack of the thread that
// made them.
__attribute__((constructor)) static void raP2PTimerSlack(void) {
	unsigned long ns = 1000000UL;
	const char *env = getenv("RA_P2P_TIMER_SLACK_NS");
	if (env != NULL && *env != '\0') {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (*end != '\0') {
			return; // not a number: leave the kernel's
		}
		if (v == 0) {
			return;
		}
		ns = v;
	}
	prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
}
*/
import "C"

import (
	"time"

	"golang.org/x/sys/unix"
)

// kernelDefault is the slack a thread starts with when nothing set one.
const kernelDefault = 50 * time.Microsecond

// Precise sets the calling OS thread's slack back to the kernel's default.
// Call it from a thread that keeps a deadline (a C thread's callback runs
// on that thread); a goroutine may move between threads, so calling it from
// one changes an arbitrary thread.
func Precise() error {
	return unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(kernelDefault.Nanoseconds()), 0, 0, 0)
}
