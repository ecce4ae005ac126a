//go:build !linux

package timerslack

// Precise does nothing: only Linux has timer slack.
func Precise() error { return nil }
