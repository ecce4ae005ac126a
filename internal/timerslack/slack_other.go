//go:build !linux || !cgo

package timerslack

// Precise does nothing: this build sets no slack (only Linux has it, and
// setting it before the runtime's threads start needs cgo).
func Precise() error { return nil }
