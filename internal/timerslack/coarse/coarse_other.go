//go:build !linux || !cgo

// Without Linux there is no timer slack; without cgo nothing runs before
// the runtime's threads start, and later only the calling thread's slack
// can be changed.
package coarse
