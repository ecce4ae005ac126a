//go:build cgo

package echo

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Available reports whether echo cancellation is built in (cgo and speexdsp).
const Available = true

// states are the speexdsp states of one Canceller, kept apart from it so
// that a Canceller dropped without Close is still freed by a cleanup.
type states struct {
	echo *C.SpeexEchoState
	pre  *C.SpeexPreprocessState
}

func (s *states) free() {
	if s.pre != nil {
		C.speex_preprocess_state_destroy(s.pre)
		s.pre = nil
	}
	if s.echo != nil {
		C.speex_echo_state_destroy(s.echo)
		s.echo = nil
	}
}

// Canceller removes the echo of what the speaker played from the
// microphone and suppresses noise, one frame at a time.
type Canceller struct {
	frame   int
	cleanup runtime.Cleanup

	mu sync.Mutex
	st *states // nil once closed
}

// New makes a Canceller for mono int16 frames of frameSamples samples at
// sampleRate Hz, whose filter spans tail (DefaultTail covers the usual
// devices). frameSamples must be 2.5–40 ms of samples, sampleRate
// MinSampleRate–MaxSampleRate, tail more than 0 and at most MaxTail.
func New(frameSamples, sampleRate int, tail time.Duration) (*Canceller, error) {
	filter, err := filterLength(frameSamples, sampleRate, tail)
	if err != nil {
		return nil, err
	}
	st := &states{}
	st.echo = C.speex_echo_state_init(C.int(frameSamples), C.int(filter))
	if st.echo == nil {
		return nil, errors.New("echo: speexdsp could not make an echo canceller")
	}
	rate := C.int(sampleRate)
	if C.speex_echo_ctl(st.echo, C.SPEEX_ECHO_SET_SAMPLING_RATE, unsafe.Pointer(&rate)) != 0 {
		st.free()
		return nil, errors.New("echo: setting the echo canceller's sample rate: refused by speexdsp")
	}
	st.pre = C.speex_preprocess_state_init(C.int(frameSamples), rate)
	if st.pre == nil {
		st.free()
		return nil, errors.New("echo: speexdsp could not make a preprocessor")
	}
	on := C.int(1)
	for _, s := range []struct {
		what string
		req  C.int
		arg  unsafe.Pointer
	}{
		// The preprocessor reads the canceller's residual echo estimate
		// and suppresses what the linear filter left.
		{"linking the preprocessor to the echo canceller", C.SPEEX_PREPROCESS_SET_ECHO_STATE, unsafe.Pointer(st.echo)},
		{"turning noise suppression on", C.SPEEX_PREPROCESS_SET_DENOISE, unsafe.Pointer(&on)},
	} {
		if C.speex_preprocess_ctl(st.pre, s.req, s.arg) != 0 {
			st.free()
			return nil, fmt.Errorf("echo: %s: refused by speexdsp", s.what)
		}
	}
	c := &Canceller{frame: frameSamples, st: st}
	c.cleanup = runtime.AddCleanup(c, func(s *states) { s.free() }, st)
	return c, nil
}

// Process removes from mic the echo of played (what the speaker played in
// the same sound callback) and suppresses noise and residual echo, writing
// the cleaned frame to out, which may alias mic. It does not allocate, so
// it may run on an audio thread. The cleaned frame is one frame late: out
// holds the previous call's microphone frame, cleaned (the preprocessor
// works by overlap-add on two frames), so the path gains one frame (10 ms)
// of latency. Each of mic, played and out must have
// exactly the frame length given to New, or Process panics. After Close,
// Process writes silence to out.
func (c *Canceller) Process(mic, played, out []int16) {
	checkFrame(c.frame, mic, played, out)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		clear(out)
		return
	}
	// speex_echo_cancellation reads mic[i] before it writes out[i], so out
	// may alias mic (TestProcessInPlace checks it).
	C.speex_echo_cancellation(c.st.echo,
		(*C.spx_int16_t)(unsafe.Pointer(&mic[0])),
		(*C.spx_int16_t)(unsafe.Pointer(&played[0])),
		(*C.spx_int16_t)(unsafe.Pointer(&out[0])))
	C.speex_preprocess_run(c.st.pre, (*C.spx_int16_t)(unsafe.Pointer(&out[0])))
}

// Reset forgets the learned echo path, as after a change of sound device.
func (c *Canceller) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st != nil {
		C.speex_echo_state_reset(c.st.echo)
	}
}

// Close frees the speexdsp state. It is idempotent; a Canceller used after
// Close writes silence.
func (c *Canceller) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil {
		return
	}
	c.cleanup.Stop()
	c.st.free()
	c.st = nil
}
