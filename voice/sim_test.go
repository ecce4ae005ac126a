//go:build cgo

package voice

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// The test's speech: espeak-ng's voice at 48 kHz, made once per run.
var (
	speechMu  sync.Mutex
	speechPCM []int16
)

const speechText = "Hello, can you hear me? I am going to open the settings window now, " +
	"then click on the network tab. The quick brown fox jumps over the lazy dog."

// speech is a few seconds of real speech, 48 kHz mono, made with espeak-ng
// and sox; the test is skipped when they are not installed.
func speech(t testing.TB) []int16 {
	t.Helper()
	speechMu.Lock()
	defer speechMu.Unlock()
	if speechPCM != nil {
		return speechPCM
	}
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install espeak-ng sox; scripts/install-deps.sh): it makes the speech these tests encode", tool)
		}
	}
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "speech.wav")
	if out, err := exec.Command("espeak-ng", "-w", raw, speechText).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	if out, err := exec.Command("sox", raw, "-r", "48000", "-c", "1", "-b", "16", wav).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	pcm, err := readWAV(wav)
	if err != nil {
		t.Fatal(err)
	}
	speechPCM = pcm
	return pcm
}

// readWAV reads a 16-bit mono 48 kHz WAV file.
func readWAV(name string) ([]int16, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("reading speech: not a WAV file")
	}
	b = b[12:]
	for len(b) >= 8 {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:8]))
		b = b[8:]
		if n > len(b) {
			n = len(b) &^ 1
		}
		switch id {
		case "fmt ":
			if n < 16 || binary.LittleEndian.Uint16(b[2:]) != 1 || binary.LittleEndian.Uint32(b[4:]) != SampleRate || binary.LittleEndian.Uint16(b[14:]) != 16 {
				return nil, errors.New("reading speech: not 16-bit mono 48 kHz")
			}
		case "data":
			pcm := make([]int16, n/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
			}
			return pcm, nil
		}
		b = b[n+n&1:]
	}
	return nil, errors.New("reading speech: no data chunk")
}

// encode runs pcm through a real Sender, 10 ms at a time as a sound
// device would, and returns its packets (payloads copied).
func encode(t testing.TB, pcm []int16, cfg SenderConfig) []Packet {
	t.Helper()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Packet)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(p Packet) error {
			p.Payload = slices.Clone(p.Payload)
			select {
			case got <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var pkts []Packet
	for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
		s.Push(pcm[i : i+FrameSamples])
		if i/FrameSamples%2 == 1 { // every second frame completes a packet
			pkts = append(pkts, <-got)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if st := s.Stats(); st.Dropped != 0 || st.Packets != uint64(len(pkts)) {
		t.Fatalf("sender stats %+v for %d packets", st, len(pkts))
	}
	return pkts
}

// sim is a call over a simulated network in virtual time: the sender's
// packets (pre-encoded, looped when the call is longer) leave when their
// 20 ms have been captured by a sound card whose clock runs SenderDrift
// fast, cross the network (Net: delay and loss per packet), and are Put
// into a Receiver that a sound card whose clock runs ReceiverDrift fast
// Pulls 10 ms at a time. No sleeping: the clock is a variable.
type sim struct {
	Packets                    []Packet
	Duration                   time.Duration
	SenderDrift, ReceiverDrift float64 // 0.001 = 0.1 % fast
	Net                        func(k int, sent time.Duration) (delay time.Duration, lost bool)
	SeqBase, TimeBase          uint32 // added to the packets' Seq and Time: wrap-around tests
	Config                     ReceiverConfig
	Keep                       bool                                // keep the output
	Observe                    func(at time.Duration, r *Receiver) // after each Pull
}

type arrival struct {
	at time.Duration
	p  Packet
}

func (s sim) run(t testing.TB) (*Receiver, []int16) {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now time.Duration
	cfg := s.Config
	cfg.Now = func() time.Time { return base.Add(now) }
	r, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	senderPeriod := float64(20*time.Millisecond) / (1 + s.SenderDrift)
	n := int(float64(s.Duration) / senderPeriod)
	arrivals := make([]arrival, 0, n)
	for k := range n {
		sent := time.Duration(float64(k+1) * senderPeriod)
		delay, lost := s.Net(k, sent)
		if lost {
			continue
		}
		p := s.Packets[k%len(s.Packets)]
		p.Seq = s.SeqBase + uint32(k)
		p.Time = s.TimeBase + uint32(k*PacketSamples)
		arrivals = append(arrivals, arrival{sent + delay, p})
	}
	slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })

	pullPeriod := float64(10*time.Millisecond) / (1 + s.ReceiverDrift)
	var out []int16
	frame := make([]int16, FrameSamples)
	next := 0
	for j := 0; ; j++ {
		now = time.Duration(float64(j) * pullPeriod)
		if now > s.Duration {
			break
		}
		for ; next < len(arrivals) && arrivals[next].at <= now; next++ {
			r.Put(arrivals[next].p, base.Add(arrivals[next].at))
		}
		r.Pull(frame)
		if s.Keep {
			out = append(out, frame...)
		}
		if s.Observe != nil {
			s.Observe(now, r)
		}
	}
	return r, out
}

// steady is a network with a fixed delay and uniform jitter of ±jitter.
func steady(delay, jitter time.Duration, loss float64, seed uint64) func(int, time.Duration) (time.Duration, bool) {
	rng := newRand(seed)
	return func(int, time.Duration) (time.Duration, bool) {
		j := time.Duration((rng.float()*2 - 1) * float64(jitter))
		return delay + j, rng.float() < loss
	}
}

// newRand is a small deterministic generator (splitmix64), so the tests'
// networks are the same on every run and every Go version.
type rand struct{ s uint64 }

func newRand(seed uint64) *rand { return &rand{seed} }

func (r *rand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rand) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// alignedCorrelation compares the output y with the input x. It finds the
// delay of y behind x over the whole signal, then, because the receiver
// drops and stretches 10 ms here and there, the best delay near it for
// each 100 ms block; the result is the normalized cross-correlation of all
// blocks at their delays, and the whole-signal delay.
func alignedCorrelation(x, y []int16) (ncc float64, lag int) {
	const maxLag = SampleRate / 2
	lag = bestLag(x, y, 0, maxLag, 0, len(y), 16)
	const block, near = SampleRate / 10, SampleRate * 25 / 1000
	var sxy, sxx, syy float64
	prev := lag
	for start := 0; start+block <= len(y); start += block {
		l := bestLag(x, y, max(prev-near, 0), prev+near, start, start+block, 8)
		var bxy, bxx, byy float64
		for i := start; i < start+block; i++ {
			if i-l < 0 || i-l >= len(x) {
				continue
			}
			a, b := float64(x[i-l]), float64(y[i])
			bxy, bxx, byy = bxy+a*b, bxx+a*a, byy+b*b
		}
		sxy, sxx, syy = sxy+bxy, sxx+bxx, syy+byy
		if bxx > 0 && byy > 0 && bxy/math.Sqrt(bxx*byy) > 0.5 {
			prev = l // follow the delay only where the block is clearly matched
		}
	}
	if sxx == 0 || syy == 0 {
		return 0, lag
	}
	return sxy / math.Sqrt(sxx*syy), lag
}

// bestLag is the lag in [lo, hi] that best matches y[from:to] with x
// shifted by it: searched on d× decimated signals, then refined.
func bestLag(x, y []int16, lo, hi, from, to, d int) int {
	score := func(l, step int) float64 {
		var s, nx float64
		for i := from; i+step <= to; i += step {
			j := i - l
			if j < 0 || j+step > len(x) {
				continue
			}
			var a, b float64
			for k := range step {
				a += float64(x[j+k])
				b += float64(y[i+k])
			}
			s += a * b
			nx += a * a
		}
		if nx == 0 {
			return math.Inf(-1)
		}
		return s / math.Sqrt(nx)
	}
	best, bestScore := lo, math.Inf(-1)
	for l := lo; l <= hi; l += d {
		if s := score(l, d); s > bestScore {
			best, bestScore = l, s
		}
	}
	coarse := best
	bestScore = math.Inf(-1)
	for l := max(coarse-d, lo); l <= min(coarse+d, hi); l++ {
		if s := score(l, 1); s > bestScore {
			best, bestScore = l, s
		}
	}
	return best
}
