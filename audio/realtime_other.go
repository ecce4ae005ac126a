//go:build !linux

package audio

import "errors"

// makeRealtime is Linux's only (realtime_linux.go): elsewhere the audio
// thread keeps the priority the sound library gave it.
func makeRealtime(int) error { return errors.ErrUnsupported }

// threadID and threadState are Linux's only (realtime_linux.go).
func threadID() int { return 0 }

func threadState(int) string { return "" }
