//go:build cgo

package voice

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestCleanPath: speech over a network with a fixed 30 ms delay comes out
// as it went in, with the buffer at its least delay.
func TestCleanPath(t *testing.T) {
	in := speech(t)
	pkts := encode(t, in, SenderConfig{})
	r, out := sim{
		Packets:  pkts,
		Duration: time.Duration(len(pkts)) * 20 * time.Millisecond,
		Net:      steady(30*time.Millisecond, 0, 0, 1),
		Keep:     true,
	}.run(t)
	ncc, lag := alignedCorrelation(in, out)
	st := r.Stats()
	t.Logf("clean: correlation %.3f, end-to-end %.1f ms (20 ms packet + 30 ms network + buffer + codec), buffer delay %v, target %v; %+v",
		ncc, float64(lag)*1000/SampleRate, st.Delay, st.Target, st)
	if ncc < 0.9 {
		t.Errorf("correlation %.3f, want ≥ 0.9", ncc)
	}
	if st.Lost != 0 || st.Late != 0 || st.Concealed != 0 {
		t.Errorf("lost %d, late %d, concealed %d on a clean path", st.Lost, st.Late, st.Concealed)
	}
	if st.Delay > 30*time.Millisecond {
		t.Errorf("buffer delay %v on a clean path, want ≤ 30 ms", st.Delay)
	}
}

// TestLossAndJitter: 5 % random loss and ±20 ms jitter (so packets also
// come out of order): the speech is still there, FEC recovers some losses,
// and FEC does better than concealment alone.
func TestLossAndJitter(t *testing.T) {
	in := speech(t)
	pkts := encode(t, in, SenderConfig{})
	run := func(noFEC bool) (float64, ReceiverStats) {
		r, out := sim{
			Packets:  pkts,
			Duration: time.Duration(len(pkts)) * 20 * time.Millisecond,
			Net:      steady(40*time.Millisecond, 20*time.Millisecond, 0.05, 7),
			Config:   ReceiverConfig{NoFEC: noFEC},
			Keep:     true,
		}.run(t)
		ncc, _ := alignedCorrelation(in, out)
		return ncc, r.Stats()
	}
	ncc, st := run(false)
	plc, stPLC := run(true)
	t.Logf("5%% loss, ±20 ms jitter: correlation %.3f (%.3f without FEC), target %v, delay %v, jitter %v; %+v",
		ncc, plc, st.Target, st.Delay, st.Jitter, st)
	t.Logf("without FEC: %+v", stPLC)
	if ncc < 0.6 {
		t.Errorf("correlation %.3f, want ≥ 0.6", ncc)
	}
	if st.FECRecovered == 0 {
		t.Errorf("no packet recovered by FEC: %+v", st)
	}
	if st.Target < 30*time.Millisecond || st.Target > 80*time.Millisecond {
		t.Errorf("target delay %v for ±20 ms jitter, want 30..80 ms", st.Target)
	}
}

// TestClockDrift: 10 minutes with the sender's sound card 0.1 % fast,
// then 0.1 % slow: the buffer neither grows nor drains.
func TestClockDrift(t *testing.T) {
	pkts := encode(t, speech(t), SenderConfig{})
	for _, drift := range []float64{0.001, -0.001} {
		var sum [10]time.Duration
		var cnt [10]int
		r, _ := sim{
			Packets:       pkts,
			Duration:      10 * time.Minute,
			SenderDrift:   drift,
			ReceiverDrift: -drift / 2, // the two cards off in opposite directions: 0.15 % apart
			Net:           steady(30*time.Millisecond, 2*time.Millisecond, 0.01, 3),
			SeqBase:       math.MaxUint32 - 1000, // both wrap in the first minute
			TimeBase:      math.MaxUint32 - 1000*PacketSamples,
			Observe: func(at time.Duration, r *Receiver) {
				m := int(at / time.Minute)
				if m > 9 || at < 5*time.Second {
					return
				}
				sum[m] += r.Stats().Delay
				cnt[m]++
			},
		}.run(t)
		first, last := sum[0]/time.Duration(cnt[0]), sum[9]/time.Duration(cnt[9])
		st := r.Stats()
		t.Logf("drift %+.1f%% vs %+.2f%%: mean delay minute 1 %v, minute 10 %v; dropped %d, stretched %d frames; %+v",
			drift*100, -drift*50, first, last, st.Dropped, st.Stretched, st)
		if d := last - first; d > 20*time.Millisecond || d < -20*time.Millisecond {
			t.Errorf("drift %+.1f%%: delay went from %v to %v", drift*100, first, last)
		}
		if st.Stalls != 0 || !st.Playing {
			t.Errorf("drift %+.1f%%: stalled: %+v", drift*100, st)
		}
	}
}

// TestSpike: a 200 ms stall of the network, then calm: the target delay
// grows for it, then shrinks back within a few seconds, and so does the
// delay itself.
func TestSpike(t *testing.T) {
	pkts := encode(t, speech(t), SenderConfig{})
	const spikeAt, spike = 5 * time.Second, 200 * time.Millisecond
	calm := steady(30*time.Millisecond, 2*time.Millisecond, 0, 5)
	var before, peak time.Duration
	var beforeN int
	targetBack, delayBack := time.Duration(-1), time.Duration(-1)
	r, _ := sim{
		Packets:  pkts,
		Duration: 15 * time.Second,
		Net: func(k int, sent time.Duration) (time.Duration, bool) {
			d, _ := calm(k, sent)
			if sent >= spikeAt && sent < spikeAt+spike {
				d += spikeAt + spike - sent // held until the stall ends
			}
			return d, false
		},
		Observe: func(at time.Duration, r *Receiver) {
			st := r.Stats()
			switch {
			case at >= 3*time.Second && at < spikeAt:
				before += st.Delay
				beforeN++
			case at >= spikeAt:
				peak = max(peak, st.Target)
				pre := before / time.Duration(max(beforeN, 1))
				if at > spikeAt+spike && targetBack < 0 && st.Target <= pre+5*time.Millisecond {
					targetBack = at - spikeAt - spike
				}
				if at > spikeAt+spike && st.Delay <= pre+15*time.Millisecond {
					if delayBack < 0 {
						delayBack = at - spikeAt - spike
					}
				} else {
					delayBack = -1 // back means back for good
				}
			}
		},
	}.run(t)
	pre := before / time.Duration(beforeN)
	st := r.Stats()
	t.Logf("spike: delay before %v, target peak %v, target back %v and delay back %v after the stall; end: %+v",
		pre, peak, targetBack, delayBack, st)
	if peak < 100*time.Millisecond {
		t.Errorf("target peaked at %v for a 200 ms spike", peak)
	}
	if targetBack < 0 || targetBack > 5*time.Second {
		t.Errorf("target back after %v, want within 5 s", targetBack)
	}
	if delayBack < 0 || delayBack > 6*time.Second {
		t.Errorf("delay back for good after %v, want within 6 s", delayBack)
	}
}

// TestHostile: packets a broken or hostile peer could send, interleaved
// with a real stream: nothing panics, nothing grows, the real audio still
// plays.
func TestHostile(t *testing.T) {
	pkts := encode(t, speech(t), SenderConfig{})
	rng := newRand(11)
	junk := make([]byte, 4000)
	for i := range junk {
		junk[i] = byte(rng.next())
	}
	valid := pkts[len(pkts)/3].Payload
	cases := map[string]func(k int, p Packet) Packet{
		"empty payload":          func(k int, p Packet) Packet { p.Payload = nil; return p },
		"garbage payload":        func(k int, p Packet) Packet { p.Payload = junk[k%100 : k%100+1+k%1400]; return p },
		"oversized payload":      func(k int, p Packet) Packet { p.Payload = junk; return p },
		"a 120 ms Opus packet":   func(k int, p Packet) Packet { p.Payload = []byte{0x1b, 3, 1, 2, 3}; return p },
		"valid TOC, junk body":   func(k int, p Packet) Packet { p.Payload = append([]byte{valid[0]}, junk[:k%300]...); return p },
		"seq jumps half the way": func(k int, p Packet) Packet { p.Seq += 1 << 31; return p },
		"seq just ahead":         func(k int, p Packet) Packet { p.Seq += slotCount - 1; return p },
		"seq random":             func(k int, p Packet) Packet { p.Seq = uint32(rng.next()); return p },
		"time random":            func(k int, p Packet) Packet { p.Time = uint32(rng.next()); return p },
		"time jumps 9 s":         func(k int, p Packet) Packet { p.Time += 9 * SampleRate; return p },
		"duplicate":              func(k int, p Packet) Packet { return p },
		"seq and time behind":    func(k int, p Packet) Packet { p.Seq -= 30; p.Time -= 30 * PacketSamples; return p },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			calm := steady(30*time.Millisecond, 2*time.Millisecond, 0, 9)
			r, _ := sim{
				Packets:  pkts,
				Duration: 4 * time.Second,
				Net:      calm,
				Observe: func(at time.Duration, r *Receiver) {
					// Between pulls, two spoiled copies of a packet of the stream.
					k := int(at / (20 * time.Millisecond))
					p := pkts[k%len(pkts)]
					p.Seq, p.Time = uint32(k), uint32(k*PacketSamples)
					arrive := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(at)
					r.Put(spoil(k, p), arrive)
					r.Put(spoil(k+1, p), arrive)
				},
			}.run(t)
			st := r.Stats()
			t.Logf("%s: %+v", name, st)
			if st.Target < 20*time.Millisecond || st.Target > 400*time.Millisecond {
				t.Errorf("target %v outside [MinDelay, MaxDelay]", st.Target)
			}
			if st.Delay > 500*time.Millisecond {
				t.Errorf("delay %v", st.Delay)
			}
			out := make([]int16, FrameSamples)
			r.Pull(out) // still works
		})
	}
}

// FuzzReceiver feeds the receiver packets and pulls made of arbitrary
// bytes: it must never panic.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 5, 0x08, 1, 2, 3, 4, 1})
	f.Add([]byte{255, 255, 255, 255, 0, 0, 0, 0, 3, 0x1b, 3, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var now time.Duration
		base := time.Unix(0, 0)
		r, err := NewReceiver(ReceiverConfig{Now: func() time.Time { return base.Add(now) }})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int16, FrameSamples)
		for len(b) >= 9 {
			seq := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
			tm := uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24
			n := min(int(b[8]), len(b)-9)
			r.Put(Packet{Seq: seq, Time: tm, Payload: b[9 : 9+n]}, base.Add(now))
			b = b[9+n:]
			if len(b) > 0 {
				for range b[0] % 8 {
					now += 10 * time.Millisecond
					r.Pull(out)
				}
				b = b[1:]
			}
		}
		st := r.Stats()
		if st.Target < 20*time.Millisecond || st.Target > 400*time.Millisecond {
			t.Fatalf("target %v", st.Target)
		}
	})
}

// TestSender: packets are 20 ms, numbered, timed by the sample clock;
// muting sends nothing but keeps the clock; Run runs once.
func TestSender(t *testing.T) {
	s, err := NewSender(SenderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Packet, 100)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(p Packet) error {
			if n := opusSamples(p.Payload); n != PacketSamples {
				t.Errorf("packet %d holds %d samples", p.Seq, n)
			}
			p.Payload = nil
			got <- p
			return nil
		})
	}()
	tone := make([]int16, FrameSamples)
	for i := range tone {
		tone[i] = int16(8000 * math.Sin(float64(i)*2*math.Pi*440/SampleRate))
	}
	push := func(frames int) {
		for range frames {
			s.Push(tone)
		}
	}
	push(4) // 2 packets
	a, b := <-got, <-got
	s.SetMuted(true)
	push(10) // 100 ms not sent
	for s.Stats().Muted < 10*FrameSamples {
		time.Sleep(time.Millisecond)
	}
	s.SetMuted(false)
	push(2)
	c := <-got
	if a.Seq != 0 || b.Seq != 1 || c.Seq != 2 {
		t.Errorf("seqs %d %d %d, want 0 1 2", a.Seq, b.Seq, c.Seq)
	}
	if a.Time != 0 || b.Time != PacketSamples || c.Time != 2*PacketSamples+10*FrameSamples {
		t.Errorf("times %d %d %d, want 0 960 6720 (the pause counted)", a.Time, b.Time, c.Time)
	}
	if err := s.Run(ctx, nil); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { s.Push(tone) }); n != 0 {
		t.Errorf("Push allocates %.1f times", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	// Run is gone: the ring fills and Push drops (and counts) what does not fit.
	for range ringSamples / FrameSamples * 2 {
		s.Push(tone)
	}
	if st := s.Stats(); st.Dropped == 0 {
		t.Errorf("nothing dropped with no encoder running: %+v", st)
	}
	if _, err := NewSender(SenderConfig{Bitrate: 1000}); err == nil {
		t.Error("a 1 kbit/s sender was made")
	}
}

// TestPullAllocates: Put and Pull allocate nothing once running.
func TestPullAllocates(t *testing.T) {
	pkts := encode(t, speech(t), SenderConfig{})
	var now time.Duration
	base := time.Unix(0, 0)
	r, err := NewReceiver(ReceiverConfig{Now: func() time.Time { return base.Add(now) }})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, FrameSamples)
	k := 0
	step := func() {
		if k%2 == 0 {
			p := pkts[(k/2)%len(pkts)]
			p.Seq, p.Time = uint32(k/2), uint32(k/2*PacketSamples)
			if k%10 != 4 { // some losses: FEC and concealment too
				r.Put(p, base.Add(now+30*time.Millisecond))
			}
		}
		now += 10 * time.Millisecond
		r.Pull(out)
		k++
	}
	for range 200 {
		step()
	}
	if n := testing.AllocsPerRun(500, step); n != 0 {
		t.Errorf("Put+Pull allocate %.2f times per 10 ms", n)
	}
	if st := r.Stats(); !st.Playing || st.FECRecovered == 0 {
		t.Errorf("not the steady state with losses meant: %+v", st)
	}
}

func TestLevel(t *testing.T) {
	full := make([]int16, 480)
	for i := range full {
		full[i] = 32767
		if i%2 == 1 {
			full[i] = -32767
		}
	}
	quiet := make([]int16, 480)
	for i := range quiet {
		quiet[i] = 33 // −60 dBFS
	}
	for name, c := range map[string]struct {
		pcm    []int16
		lo, hi float64
	}{
		"empty":     {nil, 0, 0},
		"silence":   {make([]int16, 480), 0, 0},
		"full":      {full, 0.99, 1},
		"-60 dBFS":  {quiet, 0, 0.01},
		"half (-6)": {halve(full), 0.89, 0.91},
	} {
		if l := Level(c.pcm); l < c.lo || l > c.hi {
			t.Errorf("%s: level %.3f, want %.2f..%.2f", name, l, c.lo, c.hi)
		}
	}
}

func halve(p []int16) []int16 {
	q := make([]int16, len(p))
	for i, v := range p {
		q[i] = v / 2
	}
	return q
}

// BenchmarkEncode: CPU per 20 ms packet of speech (one direction's
// encoding); the % is of one core.
func BenchmarkEncode(b *testing.B) {
	in := speech(b)
	s, err := NewSender(SenderConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var payload [MaxPayload]byte
	b.ResetTimer()
	for i := range b.N {
		off := i * PacketSamples % (len(in) - PacketSamples)
		if _, err := s.enc.Encode(in[off:off+PacketSamples], payload[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6*100, "%core")
}

// BenchmarkReceive: CPU per 20 ms of the receiving side (Put, two Pulls,
// the decode) on a clean stream.
func BenchmarkReceive(b *testing.B) {
	pkts := encode(b, speech(b), SenderConfig{})
	var now time.Duration
	base := time.Unix(0, 0)
	r, err := NewReceiver(ReceiverConfig{Now: func() time.Time { return base.Add(now) }})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]int16, FrameSamples)
	b.ResetTimer()
	for i := range b.N {
		p := pkts[i%len(pkts)]
		p.Seq, p.Time = uint32(i), uint32(i*PacketSamples)
		r.Put(p, base.Add(now+30*time.Millisecond))
		for range 2 {
			now += 10 * time.Millisecond
			r.Pull(out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6*100, "%core")
}
