package echo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The voice feature's format: 48 kHz mono, 10 ms frames.
const (
	rate  = 48000
	frame = 480
)

func newCanceller(t testing.TB) *Canceller {
	t.Helper()
	c, err := New(frame, rate, DefaultTail)
	if errors.Is(err, ErrUnavailable) {
		t.Skip("built without cgo: no speexdsp")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// speech synthesizes text with espeak-ng in the given voice and resamples it
// to 48 kHz mono with sox.
func speech(t *testing.T, voice, text string) []int16 {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian packages espeak-ng and sox): the echo tests synthesize real speech with it", tool)
		}
	}
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "48k.wav")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-w", raw, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if out, err := exec.Command("sox", raw, "-r", "48000", "-c", "1", "-b", "16", wav).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	s, r, err := readWAV(b)
	if err != nil {
		t.Fatalf("reading %s: %v", wav, err)
	}
	if r != rate {
		t.Fatalf("sox made %d Hz, want %d", r, rate)
	}
	return s
}

// readWAV reads a mono 16-bit PCM WAV file.
func readWAV(b []byte) (samples []int16, sampleRate int, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a RIFF WAVE file")
	}
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if size > len(body) {
			size = len(body) // sox may leave the data size open when it streams
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, 0, errors.New("short fmt chunk")
			}
			format, channels := binary.LittleEndian.Uint16(body[0:2]), binary.LittleEndian.Uint16(body[2:4])
			bits := binary.LittleEndian.Uint16(body[14:16])
			if (format != 1 && format != 0xFFFE) || channels != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("format %d, %d channels, %d bits: want 16-bit mono PCM", format, channels, bits)
			}
			sampleRate = int(binary.LittleEndian.Uint32(body[4:8]))
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, 0, errors.New("data before fmt")
			}
			samples = make([]int16, size/2)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return samples, sampleRate, nil
		}
		p += 8 + size + size&1
	}
	return nil, 0, errors.New("no data chunk")
}

// room is a short decaying room impulse response: the direct path, then
// 60 ms of reflections decaying by 60 dB (a small furnished room).
func room(r *rand.Rand) []float64 {
	h := make([]float64, rate*60/1000)
	h[0] = 1
	for i := 1; i < len(h); i++ {
		decay := math.Pow(10, -3*float64(i)/float64(len(h))) // −60 dB at the end
		h[i] = 0.25 * decay * r.NormFloat64()
	}
	// Keep the response's energy at 1, so the −6 dB gain below is the echo's.
	var e float64
	for _, v := range h {
		e += v * v
	}
	for i := range h {
		h[i] /= math.Sqrt(e)
	}
	return h
}

// echoPath is what the microphone picks up of played: played through the
// room, delayed by delay and attenuated by gain (a float, not yet rounded).
func echoPath(played []int16, h []float64, delay time.Duration, gain float64, n int) []float64 {
	d := int(delay.Seconds() * rate)
	out := make([]float64, n)
	for i := d; i < n; i++ {
		var acc float64
		j := i - d // the played sample heard now through the direct path
		for k := 0; k < len(h) && k <= j; k++ {
			if j-k < len(played) {
				acc += h[k] * float64(played[j-k])
			}
		}
		out[i] = gain * acc
	}
	return out
}

func clip(v float64) int16 {
	return int16(max(-32768, min(32767, math.Round(v))))
}

// run feeds the canceller frame by frame as a full-duplex callback would:
// frame i of played is what the speaker played while frame i of mic was
// recorded. It returns the cleaned microphone.
func run(c *Canceller, mic, played []int16) []int16 {
	out := make([]int16, len(mic))
	for i := 0; i+frame <= len(mic); i += frame {
		c.Process(mic[i:i+frame], played[i:i+frame], out[i:i+frame])
	}
	return out
}

func power(x []float64) float64 {
	var p float64
	for _, v := range x {
		p += v * v
	}
	return p / float64(len(x))
}

func powerInt(x []int16) float64 {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	return p / float64(len(x))
}

const (
	farText  = "The quick brown fox jumps over the lazy dog. Please open the settings window, then click on the network tab and tell me what you see on the screen."
	nearText = "I can see a list of connections, and the second one says it is disconnected. Should I press the button that says connect?"
)

// TestERLE: the far end speaks, nobody speaks at the near end; the
// microphone hears the far end through a room, −6 dB, 40 ms or 120 ms late,
// over low noise. Once converged (after 2 s) the canceller must take at
// least 20 dB of echo out.
func TestERLE(t *testing.T) {
	far := speech(t, "en-us", farText)
	r := rand.New(rand.NewPCG(1, 2))
	h := room(r)
	for _, delay := range []time.Duration{40 * time.Millisecond, 120 * time.Millisecond, 200 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			c := newCanceller(t)
			n := len(far) / frame * frame
			echo := echoPath(far, h, delay, 0.5, n)
			mic := make([]int16, n)
			for i := range mic {
				mic[i] = clip(echo[i] + 3*r.NormFloat64()) // noise at −80 dBFS
			}
			out := run(c, mic, far[:n])
			from := 2 * rate
			// out is one frame late (TestOutputIsOneFrameLate).
			erle := 10 * math.Log10(power(echo[from:n-frame])/powerInt(out[from+frame:]))
			t.Logf("delay %v: ERLE %.1f dB over %.1f s after 2 s (echo %.1f dBFS)", delay, erle,
				float64(n-from)/rate, 10*math.Log10(power(echo[from:])/(32768*32768)))
			if erle < 20 {
				t.Errorf("ERLE %.1f dB, want at least 20 dB", erle)
			}
		})
	}
}

// TestDoubleTalk: after the far end has spoken alone for 4 s, the near end
// speaks over it. The near end's speech must come through: the cleaned
// microphone correlates with it at 0.8 or better over the double-talk part.
func TestDoubleTalk(t *testing.T) {
	far := speech(t, "en-us", farText)
	near := speech(t, "en+f3", nearText)
	r := rand.New(rand.NewPCG(3, 4))
	h := room(r)
	start := 4 * rate
	n := min(len(far), start+len(near)) / frame * frame
	if n < start+4*rate {
		t.Fatalf("far-end speech is %.1f s: too short for 4 s of double talk", float64(len(far))/rate)
	}
	echo := echoPath(far, h, 80*time.Millisecond, 0.5, n)
	mic := make([]int16, n)
	for i := range mic {
		v := echo[i] + 3*r.NormFloat64()
		if i >= start {
			v += float64(near[i-start])
		}
		mic[i] = clip(v)
	}
	c := newCanceller(t)
	out := run(c, mic, far[:n])

	// out is one frame late (TestOutputIsOneFrameLate).
	ref, got := near[:n-start-frame], out[start+frame:]
	corr := correlation(ref, got)
	nearDB := 10 * math.Log10(powerInt(ref)/power(echo[start:]))
	t.Logf("double talk over %.1f s, near end %.1f dB above the echo: correlation of out with the near-end speech %.3f (mic alone %.3f)",
		float64(len(ref))/rate, nearDB, corr, correlation(ref, mic[start:]))
	if corr < 0.8 {
		t.Errorf("correlation %.3f, want at least 0.8", corr)
	}
}

func correlation(a, b []int16) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	return ab / math.Sqrt(aa*bb)
}

// TestOutputIsOneFrameLate: with nothing played, the near end's speech
// comes out best aligned one frame later, the preprocessor's overlap-add.
func TestOutputIsOneFrameLate(t *testing.T) {
	near := speech(t, "en+f3", nearText)
	n := len(near) / frame * frame
	played := make([]int16, n)
	out := run(newCanceller(t), near[:n], played)
	best, bestLag := -1.0, 0
	for lag := -2 * frame; lag <= 2*frame; lag++ {
		lo, hi := 2*frame, n-2*frame
		if c := correlation(near[lo:hi], out[lo+lag:hi+lag]); c > best {
			best, bestLag = c, lag
		}
	}
	t.Logf("best alignment: out lags mic by %d samples, correlation %.3f", bestLag, best)
	if bestLag != frame {
		t.Errorf("out lags mic by %d samples, want %d (one frame)", bestLag, frame)
	}
}

// TestProcessInPlace: out may alias mic.
func TestProcessInPlace(t *testing.T) {
	a, b := newCanceller(t), newCanceller(t)
	r := rand.New(rand.NewPCG(5, 6))
	mic, played := make([]int16, frame), make([]int16, frame)
	sep := make([]int16, frame)
	for range 300 {
		for i := range played {
			played[i] = int16(2000 * r.NormFloat64())
			mic[i] = played[i]/3 + int16(100*r.NormFloat64())
		}
		a.Process(mic, played, sep)
		b.Process(mic, played, mic)
		for i := range mic {
			if mic[i] != sep[i] {
				t.Fatalf("sample %d: in place %d, separate %d", i, mic[i], sep[i])
			}
		}
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	c := newCanceller(t)
	mic, played, out := make([]int16, frame), make([]int16, frame), make([]int16, frame)
	if n := testing.AllocsPerRun(100, func() { c.Process(mic, played, out) }); n != 0 {
		t.Errorf("Process allocates %.1f times a frame", n)
	}
}

func TestProcessPanicsOnWrongLength(t *testing.T) {
	c := newCanceller(t)
	ok := make([]int16, frame)
	for name, args := range map[string][3][]int16{
		"a short microphone frame": {make([]int16, frame-1), ok, ok},
		"a long played frame":      {ok, make([]int16, frame+1), ok},
		"an empty output":          {ok, ok, nil},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "480 samples") {
					t.Errorf("panic %v, want one naming the frame length", p)
				}
			}()
			c.Process(args[0], args[1], args[2])
		})
	}
}

func TestCloseTwiceThenProcessWritesSilence(t *testing.T) {
	c := newCanceller(t)
	c.Close()
	c.Close()
	c.Reset()
	mic, played, out := make([]int16, frame), make([]int16, frame), make([]int16, frame)
	for i := range mic {
		mic[i], out[i] = 1000, 1
	}
	c.Process(mic, played, out)
	for i, v := range out {
		if v != 0 {
			t.Fatalf("after Close, out[%d] = %d, want silence", i, v)
		}
	}
}

// TestCloseWhileProcessing: Close from another goroutine waits for the
// frame in progress, and the audio thread's later frames are silence.
func TestCloseWhileProcessing(t *testing.T) {
	c := newCanceller(t)
	started, closed := make(chan struct{}), make(chan struct{})
	silent := make(chan bool, 1)
	go func() {
		mic, played, out := make([]int16, frame), make([]int16, frame), make([]int16, frame)
		for i := range mic {
			mic[i], played[i] = int16(i), int16(-i)
		}
		for n := 0; ; n++ {
			if n == 10 {
				close(started)
			}
			select {
			case <-closed:
				c.Process(mic, played, out)
				silent <- slices.Equal(out, make([]int16, frame))
				return
			default:
				c.Process(mic, played, out)
			}
		}
	}()
	<-started
	c.Close() // while the goroutine is processing
	close(closed)
	if !<-silent {
		t.Error("a frame processed after Close is not silence")
	}
}

func TestNewRejects(t *testing.T) {
	for name, args := range map[string]struct {
		frame, rate int
		tail        time.Duration
		want        string
	}{
		"a rate below 8 kHz":      {80, 4000, DefaultTail, "sample rate"},
		"a rate above 48 kHz":     {960, 96000, DefaultTail, "sample rate"},
		"a frame of 1 ms":         {48, rate, DefaultTail, "frame"},
		"a frame of 50 ms":        {2400, rate, DefaultTail, "frame"},
		"no tail":                 {frame, rate, 0, "tail"},
		"a tail of more than 1 s": {frame, rate, 2 * time.Second, "tail"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(args.frame, args.rate, args.tail)
			if err == nil {
				c.Close()
				t.Fatal("New accepted it")
			}
			if !strings.Contains(err.Error(), args.want) {
				t.Errorf("error %q does not name the %s", err, args.want)
			}
		})
	}
}

// BenchmarkProcess is the cost of one 10 ms frame at 48 kHz with the
// default tail: the voice budget is 0.5 ms of one core a frame, for
// everything.
func BenchmarkProcess(b *testing.B) {
	c := newCanceller(b)
	r := rand.New(rand.NewPCG(7, 8))
	const frames = 100
	mic, played, out := make([]int16, frames*frame), make([]int16, frames*frame), make([]int16, frame)
	for i := range played {
		played[i] = int16(3000 * r.NormFloat64())
		mic[i] = played[i]/2 + int16(30*r.NormFloat64())
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % frames * frame
		c.Process(mic[k:k+frame], played[k:k+frame], out)
		i++
	}
}
