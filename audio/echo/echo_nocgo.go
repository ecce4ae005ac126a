//go:build !cgo

package echo

import "time"

// Available reports whether echo cancellation is built in (cgo and speexdsp).
const Available = false

// Canceller removes the echo of what the speaker played from the
// microphone; without cgo there is none (New fails).
type Canceller struct{ frame int }

// New returns ErrUnavailable once its arguments are checked: this build has
// no speexdsp.
func New(frameSamples, sampleRate int, tail time.Duration) (*Canceller, error) {
	if _, err := filterLength(frameSamples, sampleRate, tail); err != nil {
		return nil, err
	}
	return nil, ErrUnavailable
}

// Process writes silence (never reached: New fails without cgo).
func (c *Canceller) Process(mic, played, out []int16) {
	checkFrame(c.frame, mic, played, out)
	clear(out)
}

// Reset does nothing.
func (c *Canceller) Reset() {}

// Close does nothing.
func (c *Canceller) Close() {}
