//go:build cgo

package audio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/audio"
	"github.com/ra-p2p/ra-p2p/test/soundserver"
)

// server starts a private PipeWire with null sinks and points this
// process's sound library at it.
func server(t *testing.T, sinks ...string) *soundserver.Server {
	t.Helper()
	s := soundserver.Start(t)
	for _, name := range sinks {
		s.NullSink(t, name)
	}
	s.Setenv(t)
	return s
}

// byName finds the device a sound server describes as name.
func byName(t *testing.T, devs []audio.Device, name string) audio.Device {
	t.Helper()
	for _, d := range devs {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no device named %q in %+v", name, devs)
	return audio.Device{}
}

func TestDevicesListNullSinks(t *testing.T) {
	server(t, "a", "b")
	if err := audio.Available(); err != nil {
		t.Fatalf("Available: %v", err)
	}
	mics, err := audio.Microphones()
	if err != nil {
		t.Fatal(err)
	}
	speakers, err := audio.Speakers()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("microphones: %+v", mics)
	t.Logf("speakers: %+v", speakers)
	for _, want := range []struct {
		devs     []audio.Device
		name, id string
	}{
		{mics, "Monitor of a", "pulse:a.monitor"},
		{mics, "Monitor of b", "pulse:b.monitor"},
		{speakers, "a", "pulse:a"},
		{speakers, "b", "pulse:b"},
	} {
		if d := byName(t, want.devs, want.name); d.ID != want.id {
			t.Errorf("device %q has ID %q, want %q", want.name, d.ID, want.id)
		}
	}
	if !slices.ContainsFunc(speakers, func(d audio.Device) bool { return d.Default }) {
		t.Errorf("no speaker is the default")
	}
}

func TestOpenUnknownDevice(t *testing.T) {
	server(t, "a")
	for name, cfg := range map[string]audio.Config{
		"a microphone that does not exist":    {Microphone: "pulse:unplugged"},
		"a speaker that does not exist":       {Speaker: "pulse:unplugged"},
		"a device of another sound system":    {Speaker: "alsa:hw:0,0"},
		"a speaker given as a microphone":     {Microphone: "pulse:a"},
		"an ID that is not from this package": {Microphone: "a.monitor"},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := audio.Open(cfg)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, audio.ErrNoDevice) {
				t.Fatalf("Open: %v; want ErrNoDevice", err)
			}
			t.Logf("Open: %v", err)
		})
	}
}

func TestNoSoundServer(t *testing.T) {
	// A server address where nothing listens: libpulse must not find the
	// machine's own (none in CI), and ALSA has no cards here.
	dir := t.TempDir()
	t.Setenv("PULSE_SERVER", "unix:"+filepath.Join(dir, "nothing"))
	t.Setenv("XDG_RUNTIME_DIR", dir)
	err := audio.Available()
	t.Logf("Available: %v", err)
	if hasALSACards() {
		t.Skip("this machine has ALSA sound cards: voice works without a sound server")
	}
	if !errors.Is(err, audio.ErrNoSoundSystem) {
		t.Fatalf("Available: %v; want ErrNoSoundSystem", err)
	}
	if _, err := audio.Open(audio.Config{}); err == nil {
		t.Fatal("Open succeeded without a sound system")
	}
}

// TestLoopback plays speech into null sink "a", opens a duplex device on
// a's monitor (microphone) and sink "b" (speaker) that copies what it
// hears, records b's monitor and checks the recording is the speech,
// delayed.
func TestLoopback(t *testing.T) {
	s := server(t, "a", "b")
	dir := t.TempDir()
	speech := filepath.Join(dir, "speech.wav")
	soundserver.Speech(t, "Hello, can you hear me? I would like some help with my printer, please.", speech)
	want, _ := soundserver.ReadWAV(t, speech)

	mics, err := audio.Microphones()
	if err != nil {
		t.Fatal(err)
	}
	speakers, err := audio.Speakers()
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	var lb loopback
	d, err := audio.Open(audio.Config{
		Microphone: byName(t, mics, "Monitor of a").ID,
		Speaker:    byName(t, speakers, "b").ID,
		Capture: func(mic, played []int16) {
			if len(mic) != audio.FrameSamples || len(played) != audio.FrameSamples {
				sizes = append(sizes, len(mic), len(played)) // only on failure
			}
			lb.Capture(mic, played)
		},
		Play: lb.Play,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Logf("Latency (device buffers, capture+playback): %v", d.Latency())
	if d.Latency() <= 0 || d.Latency() > 200*time.Millisecond {
		t.Errorf("Latency %v: want a positive figure of the order of tens of ms", d.Latency())
	}

	// Both monitors are recorded on one clock, a's (what the microphone
	// heard) on the left and b's (what the speaker played) on the right,
	// through direct graph links: the delay between the channels is the
	// loop's own (sound server, device buffers, the loopback), without paplay's
	// or parec's.
	s.StereoNullSink(t, "probe")
	s.Link(t, "a:monitor_MONO", "probe:playback_FL")
	s.Link(t, "b:monitor_MONO", "probe:playback_FR")
	rec := filepath.Join(dir, "probe.wav")
	stop := s.RecordChannels(context.Background(), t, "probe.monitor", rec, 2)
	s.Play(t, speech, "a")
	time.Sleep(300 * time.Millisecond) // the tail through both buffers
	stop()
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	stats := d.Stats()
	time.Sleep(50 * time.Millisecond)
	if again := d.Stats(); again != stats {
		t.Errorf("the device ran after Close: %+v then %+v", stats, again)
	}
	if len(sizes) > 0 {
		t.Fatalf("Process got frames of other sizes than %d: %v", audio.FrameSamples, sizes)
	}
	t.Logf("stats: %+v", stats)

	chans, rate := soundserver.ReadWAVChannels(t, rec)
	heard, played := chans[0], chans[1]
	if rate != audio.SampleRate {
		t.Fatalf("recorded at %d Hz", rate)
	}
	lagA, corrA := soundserver.BestLag(want, heard, audio.SampleRate) // up to 1 s
	lagB, corrB := soundserver.BestLag(want, played, audio.SampleRate)
	loop, corrLoop := soundserver.BestLag(heard, played, audio.SampleRate/2)
	ms := func(n int) float64 { return float64(n) * 1000 / audio.SampleRate }
	t.Logf("a.monitor (microphone): lag %.1f ms after the file, correlation %.3f", ms(lagA), corrA)
	t.Logf("b.monitor (speaker):    lag %.1f ms after the file, correlation %.3f", ms(lagB), corrB)
	t.Logf("the duplex loop (sound server + device buffers + a frame of loopback) adds %.1f ms (correlation %.3f); Latency says %v", ms(loop), corrLoop, d.Latency())
	if corrA < 0.8 {
		t.Fatalf("a.monitor did not hear the speech: normalized correlation %.3f < 0.8", corrA)
	}
	if corrB < 0.8 {
		t.Fatalf("the speaker did not play the speech: normalized correlation %.3f < 0.8 at best lag %d", corrB, lagB)
	}
	if loop <= 0 || abs(lagB-lagA-loop) > 2 {
		t.Errorf("the loop's delay: %d samples between the channels, %d between their lags to the file", loop, lagB-lagA)
	}
}

func abs(n int) int { return max(n, -n) }

// hasALSACards says whether the kernel knows a sound card.
func hasALSACards() bool {
	b, err := os.ReadFile("/proc/asound/cards")
	return err == nil && !strings.Contains(string(b), "no soundcards")
}

// cpuTime is the CPU this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopback plays what the microphone heard, a frame later: Capture keeps
// it, Play gives it back (both on the audio thread, one after the other).
type loopback struct{ frames [][]int16 }

func (l *loopback) Capture(mic, _ []int16) {
	l.frames = append(l.frames, append([]int16(nil), mic...))
}

func (l *loopback) Play(speaker []int16) {
	if len(l.frames) > 0 {
		copy(speaker, l.frames[0])
		l.frames = l.frames[1:]
	}
}

// TestIdleCPU measures what a running duplex device costs this process
// while it loops silence: the figure for a benchmark report.
func TestIdleCPU(t *testing.T) {
	server(t, "a", "b")
	var loop loopback
	d, err := audio.Open(audio.Config{
		Microphone: "pulse:a.monitor",
		Speaker:    "pulse:b",
		Capture:    loop.Capture,
		Play:       loop.Play,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(500 * time.Millisecond) // start-up out of the figure
	const span = 3 * time.Second
	before, s0, start := cpuTime(t), d.Stats(), time.Now()
	time.Sleep(span)
	used, s1, wall := cpuTime(t)-before, d.Stats(), time.Since(start)
	frames := s1.Frames - s0.Frames
	t.Logf("duplex device idle: %.2f%% of one core over %v; %d frames (%.1f/s), %d callbacks, dropped %d; Latency %v",
		100*used.Seconds()/wall.Seconds(), wall.Round(time.Millisecond), frames, float64(frames)/wall.Seconds(),
		s1.Callbacks-s0.Callbacks, s1.Dropped, d.Latency())
	if want := wall.Seconds() * 100; float64(frames) < want*0.9 || float64(frames) > want*1.1 {
		t.Errorf("%d frames in %v: want ~100 a second", frames, wall)
	}
}
