package audio

import (
	"testing"
	"unsafe"
)

// TestReblock feeds the callback periods that are not 10 ms (as some
// backends give) and checks Process always gets FrameSamples, and the
// speaker plays what the microphone heard, in order, at one constant
// delay below one frame, with no gap once it started.
func TestReblock(t *testing.T) {
	for _, period := range []int{480, 441, 512, 1024, 100, 1440} {
		var d Duplex
		d.process = func(mic, speaker []int16) {
			if len(mic) != FrameSamples || len(speaker) != FrameSamples {
				t.Fatalf("period %d: Process got %d and %d samples", period, len(mic), len(speaker))
			}
			copy(speaker, mic)
		}
		in := make([]int16, period)
		out := make([]int16, period)
		next, delay := int16(1), -1
		var played []int16
		for range 200 {
			for i := range in {
				in[i] = next
				next++
				if next == 0 {
					next = 1
				}
			}
			d.callback(bytesOf(out), bytesOf(in), uint32(period))
			played = append(played, out...)
		}
		// played[k] = the sample heard at k-delay; 0 before the first.
		for k, v := range played {
			if v == 0 {
				if delay >= 0 {
					t.Fatalf("period %d: silence at %d after sound started", period, k)
				}
				continue
			}
			if delay < 0 {
				delay = k - int(v-1)
			}
			if want := int16((k-delay)%65535 + 1); v != want {
				t.Fatalf("period %d: sample %d is %d, want %d (delay %d)", period, k, v, want, delay)
			}
		}
		if delay < 0 || delay >= FrameSamples {
			t.Errorf("period %d: delay %d samples, want 0..%d", period, delay, FrameSamples-1)
		}
		if s := d.Stats(); s.Underruns != 0 || s.Dropped != 0 {
			t.Errorf("period %d: %+v", period, s)
		}
		allocs := testing.AllocsPerRun(100, func() { d.callback(bytesOf(out), bytesOf(in), uint32(period)) })
		if allocs != 0 {
			t.Errorf("period %d: the callback allocates %.1f times", period, allocs)
		}
	}
}

func bytesOf(s []int16) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 2*len(s)) }
