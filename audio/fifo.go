package audio

// fifo is a fixed-size ring of samples: it never allocates, so it may be
// used on the audio thread. Not safe for concurrent use.
type fifo struct {
	buf        [fifoSize]int16
	start, n   int
	overflowed int // samples dropped because the ring was full
}

// fifoSize holds a few callbacks' worth: backends call back with at most a
// period (10 ms here, 480 samples) but some round up to a power of two.
const fifoSize = 8 * FrameSamples

func (f *fifo) len() int { return f.n }

// write appends p; when it does not fit, the oldest samples are dropped
// (the newest sound matters more than the oldest).
func (f *fifo) write(p []int16) {
	if len(p) > fifoSize {
		f.overflowed += len(p) - fifoSize
		p = p[len(p)-fifoSize:]
	}
	if drop := f.n + len(p) - fifoSize; drop > 0 {
		f.overflowed += drop
		f.start = (f.start + drop) % fifoSize
		f.n -= drop
	}
	end := (f.start + f.n) % fifoSize
	c := copy(f.buf[end:], p)
	copy(f.buf[:], p[c:])
	f.n += len(p)
}

// read moves up to len(p) samples into p and says how many.
func (f *fifo) read(p []int16) int {
	n := min(len(p), f.n)
	c := copy(p[:n], f.buf[f.start:])
	copy(p[c:n], f.buf[:])
	f.start = (f.start + n) % fifoSize
	f.n -= n
	return n
}
