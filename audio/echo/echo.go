package echo

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnavailable is returned by New in a build without cgo, which has no
// speexdsp.
var ErrUnavailable = errors.New("echo: built without cgo, so without speexdsp: no echo cancellation")

// Limits on New's arguments. The tail bound keeps the filter's cost per
// frame in the voice budget (its cost grows with the tail; see
// BenchmarkProcess).
const (
	MinSampleRate = 8000
	MaxSampleRate = 48000
	MaxTail       = time.Second
	// DefaultTail covers a sound device latency of up to ~200 ms plus
	// a room's reverberation.
	DefaultTail = 250 * time.Millisecond
)

// filterLength is the tail in samples, rounded up to whole frames, after
// checking New's arguments.
func filterLength(frameSamples, sampleRate int, tail time.Duration) (int, error) {
	if sampleRate < MinSampleRate || sampleRate > MaxSampleRate {
		return 0, fmt.Errorf("echo: sample rate must be %d to %d Hz", MinSampleRate, MaxSampleRate)
	}
	// Frames of 2.5 to 40 ms: speexdsp works on 10–20 ms frames.
	if frameSamples < sampleRate/400 || frameSamples > sampleRate/25 {
		return 0, fmt.Errorf("echo: frame must be 2.5 to 40 ms of samples (%d to %d at this rate)", sampleRate/400, sampleRate/25)
	}
	if tail <= 0 || tail > MaxTail {
		return 0, fmt.Errorf("echo: tail must be more than 0 and at most %v", MaxTail)
	}
	n := int(tail.Seconds() * float64(sampleRate))
	return (n + frameSamples - 1) / frameSamples * frameSamples, nil
}

// checkFrame panics unless the three frames have the Canceller's length: a
// wrong length is a programming error in the caller's audio path, caught
// before any C code reads past a slice.
func checkFrame(n int, mic, played, out []int16) {
	if len(mic) != n || len(played) != n || len(out) != n {
		panic(fmt.Sprintf("echo: Process needs frames of %d samples, got mic %d, played %d, out %d", n, len(mic), len(played), len(out)))
	}
}
