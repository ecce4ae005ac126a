package audio

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// makeRealtime gives the calling thread real-time (round-robin)
// scheduling at priority (1..99), if this process may: as root, or with an
// RLIMIT_RTPRIO of at least priority (an "audio" group's limits). On a busy
// computer an ordinary audio thread waited up to 0.9 s for the processor
// while the sound server dropped what it had not read (docs/DESIGN.md,
// the voice path's "Session 18"); a real-time one runs when its sound
// arrives. Programs it starts do not inherit it (RESET_ON_FORK).
func makeRealtime(priority int) error {
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:     unix.SizeofSchedAttr,
		Policy:   unix.SCHED_RR,
		Flags:    unix.SCHED_FLAG_RESET_ON_FORK,
		Priority: uint32(priority),
	}, 0)
}

// threadID is the calling thread's kernel id.
func threadID() int { return unix.Gettid() }

// threadState says what thread tid of this process is doing now, as the
// kernel reports it: its state (R runs or waits for a processor, S sleeps,
// D waits for I/O), where it sleeps (wchan) and its scheduling policy and
// real-time priority. It is read when the audio thread falls behind, to
// tell a thread that waits for the processor from one that waits for
// something else.
func threadState(tid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return "unknown: " + err.Error()
	}
	// The command name, in parentheses, may hold spaces: the fields
	// counted here start after it, with field 3, the state.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return "unknown: " + strconv.Quote(string(stat))
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 39 {
		return "unknown: " + strconv.Quote(string(stat))
	}
	wchan, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/wchan", tid))
	return fmt.Sprintf("state %s, waiting in %q, policy %s, real-time priority %s", f[0], wchan, f[38], f[37])
}
