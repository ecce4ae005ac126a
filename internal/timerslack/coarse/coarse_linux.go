//go:build linux && cgo

package coarse

/*
#include <stdlib.h>
#include <sys/prctl.h>

// Runs when the program is loaded, before the Go runtime starts its
// threads (sysmon among them), which inherit the slack of the thread that
// made them. Later, changing another thread's slack needs CAP_SYS_NICE.
__attribute__((constructor)) static void raP2PTimerSlack(void) {
	unsigned long ns = 1000000UL;
	const char *env = getenv("RA_P2P_TIMER_SLACK_NS");
	if (env != NULL && *env != '\0') {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (*end != '\0' || v == 0) {
			return; // not a number, or 0: leave the kernel's
		}
		ns = v;
	}
	prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
}
*/
import "C"
