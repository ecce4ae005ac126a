// Package timerslack gives a thread that keeps a deadline the kernel's own
// timer slack back (Precise), in a process whose threads were given a
// millisecond of it by importing timerslack/coarse (the command does).
//
// It must never change another thread's slack, nor set any at import:
// libraries and tests import it (audio does), and a test process's slack
// would pass to every process it starts, sound servers included.
package timerslack
