// Package coarse lets the kernel wake every thread of ra-p2p up to a
// millisecond late (Linux timer slack), so that it can coalesce their
// wake-ups: importing it sets the slack of the process's first thread
// before Go starts any other, and every thread inherits it.
//
// Why: Go's sysmon thread polls every 20 µs while any goroutine runs, and a
// screen being shared runs in many short bursts (a grab, an update, a
// packet), so sysmon alone woke ~700 times a second and took a sixth of the
// novice's CPU on a scrolling xterm; with a millisecond of slack it wakes
// ~200 times (docs/DESIGN.md, "Fewer wake-ups"). Nothing in ra-p2p waits on
// a timer for less than a millisecond that matters: the screen's grabs are
// 5 ms apart at most, the pacer's waits are milliseconds, QUIC paces in
// milliseconds. A thread that must wake on time (the audio device's) calls
// timerslack.Precise for itself.
//
// Only a command may import it, never a library or a test: the processes a
// process starts inherit its slack, and a test that starts a sound server
// with a millisecond of slack makes the server's graph late (the voice tests
// failed so, internal/depcheck keeps it out). RA_P2P_TIMER_SLACK_NS sets
// another slack for the process (0: the kernel's default, 50 µs), for
// measuring. It must never change anything but timer slack.
package coarse
