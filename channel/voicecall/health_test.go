package voicecall

import (
	"strings"
	"testing"
	"time"
)

// TestCallHealth: the call tells its person once when the sound device
// falls behind or the other side's voice breaks up, and once when it is
// over; not for a spell near the line, nor without a device's counters.
func TestCallHealth(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	h := newCallHealth(healthSample{at: at(0), frames: 0})
	steps := []struct {
		s    healthSample
		want string // a part of the one message said; "": none
	}{
		{healthSample{at(3), 300, 0}, ""}, // on time
		// 84 frames in 3 s, and Bob's sound late for it: only this
		// computer is blamed.
		{healthSample{at(6), 384, 200}, "not keeping up with the sound: it handled 28 % of it in the last 3 seconds, so Bob hears you break up"},
		{healthSample{at(9), 650, 300}, ""},                               // 89 %: behind still (hysteresis)
		{healthSample{at(12), 945, 400}, "keeps up with the sound again"}, // the late sound's aftermath is not blamed either
		{healthSample{at(15), 1245, 455}, ""},                             // 18 % made up: under the line
		{healthSample{at(18), 1545, 560}, "Bob's voice is breaking up: 35 % of it"},
		{healthSample{at(21), 1845, 590}, ""}, // 10 %: still breaking up (hysteresis)
		{healthSample{at(24), 2145, 600}, "Bob's voice comes through again"},
		{healthSample{at(24), 2145, 1300}, ""}, // no time passed: nothing to say
	}
	for i, st := range steps {
		got := h.update(st.s, "Bob")
		switch {
		case st.want == "" && len(got) != 0:
			t.Errorf("step %d: said %q, want nothing", i, got)
		case st.want != "" && (len(got) != 1 || !strings.Contains(got[0], st.want)):
			t.Errorf("step %d: said %q, want one message with %q", i, got, st.want)
		}
	}

	// A device that keeps no counters (a test's) is never said to be behind.
	h = newCallHealth(healthSample{at: at(0), frames: -1})
	if got := h.update(healthSample{at: at(3), frames: -1}, "Alice"); len(got) != 0 {
		t.Errorf("without the device's counters: said %q, want nothing", got)
	}
}
