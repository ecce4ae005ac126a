package audio

import "golang.org/x/sys/unix"

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
