package wake

import "testing"

// TestSignal: any number of signals before a receive is one wake-up, and
// Signal never blocks on a full channel.
func TestSignal(t *testing.T) {
	ch := make(chan struct{}, 1)
	Signal(ch)
	Signal(ch) // full: must return at once
	select {
	case <-ch:
	default:
		t.Fatal("no wake-up after Signal")
	}
	select {
	case <-ch:
		t.Fatal("two wake-ups for two signals before a receive, want one")
	default:
	}
}
