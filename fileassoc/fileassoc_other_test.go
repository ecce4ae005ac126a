//go:build !windows

package fileassoc

import (
	"errors"
	"testing"
)

// TestNotHere: on Linux the installation registers invitation files, and
// every call says so instead of pretending to have done it.
func TestNotHere(t *testing.T) {
	if _, err := Check("/usr/bin/ra-p2p"); !errors.Is(err, ErrNotHere) {
		t.Errorf("Check: %v, want ErrNotHere", err)
	}
	if err := Register("/usr/bin/ra-p2p"); !errors.Is(err, ErrNotHere) {
		t.Errorf("Register: %v, want ErrNotHere", err)
	}
	if err := Unregister(); !errors.Is(err, ErrNotHere) {
		t.Errorf("Unregister: %v, want ErrNotHere", err)
	}
}
