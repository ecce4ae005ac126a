// Package cores decides how many threads run the program's Go code at once:
// one while the novice's screen is shared and nothing else needs more
// (One), the runtime's default while a call or a file transfer runs (All).
//
// Why: the screen's steady work is a few milliseconds at a time, woken
// hundreds of times a second (a damage event, a grab, an update, a QUIC
// packet, an acknowledgement). With two threads, each wake-up hands work to
// the other thread and sleeps it again: futex calls and thread switches that
// cost as much as the work (see docs/DESIGN.md, "One core while the screen
// is shared"). A call's audio thread, though, must find a free thread the
// moment its callback comes, and a file moves faster on every core.
//
// It must never override a GOMAXPROCS the user set in the environment, and
// never leave the process narrowed once every One has been released.
package cores
