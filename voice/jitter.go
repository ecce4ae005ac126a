package voice

import "slices"

// jitterWindow is how many packets' transits the estimate looks at: 150,
// 3 s of 20 ms packets. Long enough that a spike every few seconds keeps
// the buffer large enough for it, short enough that after one spike the
// target is back down in 3 s.
const jitterWindow = 150

// jitter keeps the transit times (arrival minus the sender's clock, in ns
// on the receiver's clock) of the last jitterWindow packets. The transits
// carry an unknown constant (the two clocks' offset) and drift slowly with
// the clocks' rates; only differences between them matter.
type jitter struct {
	transit [jitterWindow]int64
	n, next int
	scratch [jitterWindow]int64

	min    int64 // fastest transit in the window: the baseline
	spread int64 // 97th percentile of transit − min
}

// add puts one packet's transit in the window and recomputes the baseline
// and the spread: a copy and a sort of 150 numbers, a few µs per packet,
// no allocation.
func (j *jitter) add(t int64) {
	j.transit[j.next] = t
	j.next = (j.next + 1) % jitterWindow
	j.n = min(j.n+1, jitterWindow)
	s := j.scratch[:j.n]
	copy(s, j.transit[:j.n])
	slices.Sort(s)
	j.min = s[0]
	k := (j.n*97 + 99) / 100 // ceil(0.97 n)
	j.spread = s[k-1] - s[0]
}

// reset forgets every transit: the sender's clock jumped.
func (j *jitter) reset() { *j = jitter{} }
