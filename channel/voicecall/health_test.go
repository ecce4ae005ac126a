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
		want []string // substrings of the messages, in order; nil: none
	}{
		{healthSample{at(3), 300, 0}, nil}, // on time
		{healthSample{at(6), 384, 0}, []string{"not keeping up", "28 %", "Bob hears you break up"}}, // 84 frames in 3 s
		{healthSample{at(9), 650, 0}, nil}, // 89 %: behind still (hysteresis)
		{healthSample{at(12), 945, 0}, []string{"keeps up with the sound again"}},
		{healthSample{at(15), 1245, 55}, nil}, // 18 % made up: under the line
		{healthSample{at(18), 1545, 160}, []string{"Bob's voice is breaking up", "35 %"}},
		{healthSample{at(21), 1845, 190}, nil}, // 10 %: still breaking up (hysteresis)
		{healthSample{at(24), 2145, 200}, []string{"Bob's voice comes through again"}},
		{healthSample{at(24), 2145, 900}, nil}, // no time passed: nothing to say
	}
	for i, st := range steps {
		got := strings.Join(h.update(st.s, "Bob"), "\n")
		if len(st.want) == 0 && got != "" {
			t.Errorf("step %d: said %q, want nothing", i, got)
		}
		for _, w := range st.want {
			if !strings.Contains(got, w) {
				t.Errorf("step %d: said %q, want it to contain %q", i, got, w)
			}
		}
	}

	// A device that keeps no counters (a test's) is never said to be behind.
	h = newCallHealth(healthSample{at: at(0), frames: -1})
	if got := h.update(healthSample{at: at(3), frames: -1}, "Alice"); len(got) != 0 {
		t.Errorf("without the device's counters: said %q, want nothing", got)
	}
}
