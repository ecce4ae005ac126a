// Package timerslack lets the kernel wake ra-p2p's threads up to a
// millisecond late (Linux timer slack), so that it can coalesce their
// wake-ups: importing it (the commands do) sets the slack of the process's
// first thread before Go starts any other, and every thread inherits it.
//
// Why: Go's sysmon thread polls every 20 µs while any goroutine runs, and a
// screen being shared runs in many short bursts (a grab, an update, a
// packet), so sysmon alone woke ~700 times a second and took a sixth of the
// novice's CPU on a scrolling xterm; with a millisecond of slack it wakes
// ~230 times (docs/DESIGN.md, "The novice's CPU"). Nothing here waits on a
// timer for less than a millisecond that matters: the screen's grabs are
// 5 ms apart at most, the pacer's waits are milliseconds, QUIC paces in
// milliseconds.
//
// A thread that must wake on time (the audio device's) calls Precise for
// itself. RA_P2P_TIMER_SLACK_NS sets another slack for the process (0: the
// kernel's default, 50 µs), for measuring. It must never change anything
// but timer slack, and never another process's.
package timerslack
