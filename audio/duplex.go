package audio

import (
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// Config says which devices to open and what to do with the sound. The
// zero value opens the system's default microphone and speaker and plays
// silence.
type Config struct {
	Microphone string // a Device.ID from Microphones; "" = the system's default
	Speaker    string // a Device.ID from Speakers; "" = the system's default

	// Process runs on the audio thread once per 10 ms with exactly
	// FrameSamples of what the microphone heard and must fill speaker
	// (FrameSamples, zeroed before the call) with what to play. Both
	// slices are reused after it returns. It must not block: a late
	// Process is a gap in what both sides hear. nil: play silence.
	Process func(mic, speaker []int16)

	Log *slog.Logger // nil: slog.Default()
}

// Buffers, kept small because every millisecond here adds to mouth-to-ear
// delay (target ≤ 150 ms in all): a 10 ms period, so a callback carries
// one frame, and 3 periods of slack for a busy machine. With PipeWire
// 0.3.65 (pipewire-pulse) the loop microphone→Process→speaker measured
// 51–73 ms, with no underruns, on a shared two-core machine.
const (
	periodMillis = 10
	periods      = 3
)

// Duplex is an open full-duplex sound device: the microphone and speaker
// of one conversation.
type Duplex struct {
	log     *slog.Logger
	ctx     *soundContext
	dev     *malgo.Device
	latency time.Duration

	closeOnce sync.Once
	closeErr  error

	process func(mic, speaker []int16)

	// Only the audio thread touches these (after Open returns).
	mic, speaker       fifo
	micFrame, spkFrame [FrameSamples]int16
	primed             bool // the first callback has been

	callbacks  atomic.Int64 // device callbacks so far
	frames     atomic.Int64 // Process calls so far
	underruns  atomic.Int64 // samples of silence played because Process had not made them yet
	overflowed atomic.Int64
}

// Open opens the microphone and speaker as one duplex device, so each
// Process call gets microphone and speaker frames that belong together,
// and starts it. ErrNoSoundSystem: there is no sound system; ErrNoDevice: a
// device in cfg does not exist.
func Open(cfg Config) (*Duplex, error) {
	d := &Duplex{log: cfg.Log, process: cfg.Process}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.log = d.log.With("component", "audio")
	if d.process == nil {
		d.process = func(_, _ []int16) {}
	}

	// miniaudio says the buffer sizes it got only in its log.
	var logMu sync.Mutex
	var logged strings.Builder
	logf := func(msg string) {
		logMu.Lock()
		logged.WriteString(msg)
		logMu.Unlock()
		d.log.Debug("miniaudio", "msg", strings.TrimRight(msg, "\n"))
	}
	c, err := openContext(logf)
	if err != nil {
		return nil, err
	}
	if err := c.usable(); err != nil {
		c.close()
		return nil, err
	}
	mic, err := c.find(malgo.Capture, cfg.Microphone)
	if err != nil {
		c.close()
		return nil, err
	}
	speaker, err := c.find(malgo.Playback, cfg.Speaker)
	if err != nil {
		c.close()
		return nil, err
	}

	dc := malgo.DefaultDeviceConfig(malgo.Duplex)
	dc.SampleRate = SampleRate
	dc.PeriodSizeInMilliseconds = periodMillis
	dc.Periods = periods
	dc.PerformanceProfile = malgo.LowLatency
	dc.Capture.Format = malgo.FormatS16
	dc.Capture.Channels = 1
	dc.Playback.Format = malgo.FormatS16
	dc.Playback.Channels = 1
	dc.Pulse.StreamNameCapture = "ra-p2p voice (microphone)"
	dc.Pulse.StreamNamePlayback = "ra-p2p voice (speaker)"
	// miniaudio reads the device IDs during InitDevice only; they are Go
	// memory held in a C struct meanwhile.
	var pin runtime.Pinner
	if mic != nil {
		pin.Pin(mic)
		dc.Capture.DeviceID = unsafe.Pointer(mic)
	}
	if speaker != nil {
		pin.Pin(speaker)
		dc.Playback.DeviceID = unsafe.Pointer(speaker)
	}
	dev, err := malgo.InitDevice(c.ctx.Context, dc, malgo.DeviceCallbacks{Data: d.callback})
	pin.Unpin()
	if err != nil {
		c.close()
		return nil, fmt.Errorf("opening the %s microphone %s and speaker %s: %w", c.backend.long, orDefault(cfg.Microphone), orDefault(cfg.Speaker), err)
	}
	d.ctx, d.dev = c, dev
	logMu.Lock()
	d.latency = bufferLatency(logged.String())
	logMu.Unlock()
	if err := dev.Start(); err != nil {
		d.Close()
		return nil, fmt.Errorf("starting the %s duplex device: %w", c.backend.long, err)
	}
	d.log.Info("sound device open", "backend", c.backend.name, "microphone", orDefault(cfg.Microphone),
		"speaker", orDefault(cfg.Speaker), "buffers", d.latency)
	return d, nil
}

func orDefault(id string) string {
	if id == "" {
		return "(default)"
	}
	return strconv.Quote(id)
}

// callback runs on miniaudio's audio thread. It re-blocks whatever the
// backend delivers into FrameSamples frames; it allocates nothing.
func (d *Duplex) callback(out, in []byte, frameCount uint32) {
	d.callbacks.Add(1)
	spk := samples(out)
	mic := samples(in)
	if mic == nil {
		// No capture data this time (should not happen in duplex):
		// keep the two sides in step with silence.
		for range len(spk) / FrameSamples {
			d.mic.write(zeros[:])
		}
		d.mic.write(zeros[:len(spk)%FrameSamples])
	} else {
		d.mic.write(mic)
	}
	if !d.primed {
		d.primed = true
		// A period that is not a whole number of frames: the speaker
		// must start this much late, or it runs dry every few calls.
		// The most a call can lack is FrameSamples - gcd(period,
		// FrameSamples) samples; whole 10 ms periods need nothing.
		if r := len(spk) % FrameSamples; r != 0 {
			d.speaker.write(zeros[:FrameSamples-gcd(len(spk), FrameSamples)])
		}
	}
	for d.mic.len() >= FrameSamples {
		d.mic.read(d.micFrame[:])
		clear(d.spkFrame[:])
		d.process(d.micFrame[:], d.spkFrame[:])
		d.speaker.write(d.spkFrame[:])
		d.frames.Add(1)
	}
	if n := d.speaker.read(spk); n < len(spk) {
		// Only when the period changes: silence now, and the frames that
		// follow stay this much later.
		clear(spk[n:])
		d.underruns.Add(int64(len(spk) - n))
	}
	if o := d.mic.overflowed + d.speaker.overflowed; o != 0 {
		d.overflowed.Add(int64(o))
		d.mic.overflowed, d.speaker.overflowed = 0, 0
	}
}

var zeros [FrameSamples]int16

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// samples views a callback's bytes as native-endian int16 samples (the
// device is opened as S16, mono).
func samples(b []byte) []int16 {
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*int16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// Latency is what the sound device's buffers add to the delay, capture
// plus playback, as miniaudio reports them (period × periods on each
// side). With the PulseAudio backend these are the streams' maximum
// lengths, an upper bound: 70 ms with pipewire-pulse, whose measured loop
// was 51–73 ms. Re-blocking adds nothing while the backend calls back with
// whole 10 ms frames, as miniaudio's fixed-size callback does (else up to
// a frame). What the sound server adds beyond these buffers (PipeWire's
// graph quantum, the sound card) is not in it.
func (d *Duplex) Latency() time.Duration { return d.latency }

// Stats says how the device has run so far: device callbacks, Process
// calls (frames), samples of silence played because a frame was late
// (underruns) and samples dropped because a buffer was full.
type Stats struct {
	Callbacks, Frames, Underruns, Dropped int64
}

// Stats reports the counters; it may be called from any goroutine.
func (d *Duplex) Stats() Stats {
	return Stats{d.callbacks.Load(), d.frames.Load(), d.underruns.Load(), d.overflowed.Load()}
}

// Close stops the device and returns when Process will not be called
// again. It may be called more than once.
func (d *Duplex) Close() error {
	d.closeOnce.Do(func() {
		if d.dev != nil {
			d.dev.Uninit() // stops the device and waits for its thread
		}
		if d.ctx != nil {
			d.closeErr = d.ctx.close()
		}
		d.log.Info("sound device closed", "stats", fmt.Sprintf("%+v", d.Stats()))
	})
	return d.closeErr
}

// bufferRE matches miniaudio's device report: "Sample Rate: 48000 -> 48000"
// then "Buffer Size: 480*3 (1440)", for the capture then the playback side.
var (
	rateRE   = regexp.MustCompile(`Sample Rate: *(\d+) -> (\d+)`)
	bufferRE = regexp.MustCompile(`Buffer Size: *(\d+)\*(\d+)`)
)

// bufferLatency adds up the buffer sizes miniaudio logged when it opened
// the device: each side's period × periods at that side's internal rate
// (capture's is the first number of its "Sample Rate" line, playback's the
// second).
func bufferLatency(log string) time.Duration {
	rates := rateRE.FindAllStringSubmatch(log, -1)
	sizes := bufferRE.FindAllStringSubmatch(log, -1)
	var total time.Duration
	for i := 0; i < len(sizes) && i < len(rates) && i < 2; i++ {
		rate, _ := strconv.Atoi(rates[i][1+i]) // capture: "internal -> ours"; playback: "ours -> internal"
		period, _ := strconv.Atoi(sizes[i][1])
		count, _ := strconv.Atoi(sizes[i][2])
		if rate > 0 {
			total += time.Duration(period*count) * time.Second / time.Duration(rate)
		}
	}
	return total
}
