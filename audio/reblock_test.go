//go:build cgo

package audio

import (
	"testing"
	"unsafe"
)

// TestReblock feeds the callback periods that are not 10 ms (as some
// backends give) and checks that Play and Capture always get FrameSamples;
// that the speaker plays what Play made, in order, without a gap; and that
// Capture gets beside each microphone sample the speaker sample of the same
// moment (the callback position where both were), whatever the period.
func TestReblock(t *testing.T) {
	for _, period := range []int{480, 441, 512, 1024, 100, 1440} {
		var d Duplex
		made := int16(1) // what Play makes: 1, 2, 3, …
		d.play = func(speaker []int16) {
			if len(speaker) != FrameSamples {
				t.Fatalf("period %d: Play got %d samples", period, len(speaker))
			}
			for i := range speaker {
				speaker[i] = made
				made++
			}
		}
		playedAt := map[int16]int16{} // microphone sample → speaker sample of the same position
		var pairs [][2]int16          // what Capture got, checked after each callback
		d.capture = func(mic, played []int16) {
			if len(mic) != FrameSamples || len(played) != FrameSamples {
				t.Fatalf("period %d: Capture got %d and %d samples", period, len(mic), len(played))
			}
			for i := range mic {
				pairs = append(pairs, [2]int16{mic[i], played[i]})
			}
		}
		in := make([]int16, period)
		out := make([]int16, period)
		next, expect := int16(1), int16(1)
		calls := 30000 / period // the samples' numbers stay below 32768
		captured := 0
		for range calls {
			for i := range in {
				in[i] = next
				next++
			}
			d.callback(bytesOf(out), bytesOf(in), uint32(period))
			for i := range out {
				if out[i] != expect {
					t.Fatalf("period %d: the speaker played %d, want %d", period, out[i], expect)
				}
				expect++
				playedAt[in[i]] = out[i]
			}
			for _, p := range pairs {
				if want, ok := playedAt[p[0]]; !ok || p[1] != want {
					t.Fatalf("period %d: microphone sample %d came with speaker sample %d, want %d", period, p[0], p[1], want)
				}
			}
			captured += len(pairs)
			pairs = pairs[:0]
		}
		if captured < calls*period-FrameSamples {
			t.Errorf("period %d: %d samples captured of %d", period, captured, calls*period)
		}
		if s := d.Stats(); s.Dropped != 0 {
			t.Errorf("period %d: %+v", period, s)
		}
		d.capture = func(_, _ []int16) {}
		allocs := testing.AllocsPerRun(100, func() { d.callback(bytesOf(out), bytesOf(in), uint32(period)) })
		if allocs != 0 {
			t.Errorf("period %d: the callback allocates %.1f times", period, allocs)
		}
	}
}

func bytesOf(s []int16) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 2*len(s)) }
