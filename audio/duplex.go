//go:build cgo

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
	"github.com/ra-p2p/ra-p2p/internal/timerslack"
)

// Buffers, kept small because every millisecond here adds to mouth-to-ear
// delay (target ≤ 150 ms in all): a 10 ms period, so a callback carries
// one frame, and 3 periods of slack for a busy machine. With PipeWire
// 0.3.65 (pipewire-pulse) the loop microphone→Capture, Play→speaker
// measured 51–73 ms on a shared two-core machine.
const (
	periodMillis = 10
	periods      = 3
)

// realtimePriority is the audio thread's round-robin priority when the
// system allows one (makeRealtime): above every ordinary thread, below the
// sound server's own (PipeWire asks 88 for its threads).
const realtimePriority = 10

// Duplex is an open full-duplex sound device: the microphone and speaker
// of one conversation.
type Duplex struct {
	log     *slog.Logger
	ctx     *soundContext
	dev     *malgo.Device
	latency time.Duration

	closeOnce sync.Once
	closeErr  error

	play    func(speaker []int16)
	capture func(mic, played []int16)

	// Only the audio thread touches these (after Open returns). mic and
	// played are written the same number of samples in every callback,
	// so their frames stay paired.
	mic, played, speaker            fifo
	micFrame, playedFrame, spkFrame [FrameSamples]int16

	callbacks  atomic.Int64 // device callbacks so far
	frames     atomic.Int64 // Capture calls so far
	overflowed atomic.Int64
	thread     atomic.Int64 // the audio thread's kernel id, from its first callback
}

// Open opens the microphone and speaker as one duplex device, so each
// Capture call gets the microphone frame and the speaker frame of the same
// moment, and starts it. ErrNoSoundSystem: there is no sound system; ErrNoDevice: a
// device in cfg does not exist.
func Open(cfg Config) (*Duplex, error) {
	d := &Duplex{log: cfg.Log, play: cfg.Play, capture: cfg.Capture}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.log = d.log.With("component", "audio")
	if d.play == nil {
		d.play = func([]int16) {}
	}
	if d.capture == nil {
		d.capture = func(_, _ []int16) {}
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
// backend delivers into FrameSamples frames; it allocates nothing. The
// speaker gets whole frames from Play as this period needs them (what is
// left waits for the next period, less than a frame); what it plays goes
// beside what the microphone heard, sample for sample, to Capture.
func (d *Duplex) callback(out, in []byte, frameCount uint32) {
	if d.callbacks.Add(1) == 1 {
		d.thread.Store(int64(threadID()))
		// The device's thread keeps the sound server's deadlines: the
		// kernel's own timer slack, not the process's millisecond, and
		// the processor before ordinary threads when it may have it.
		if err := timerslack.Precise(); err != nil {
			slog.Debug("audio: could not make the audio thread's timers precise", "err", err)
		}
		if err := makeRealtime(realtimePriority); err != nil {
			slog.Debug("audio: the audio thread keeps an ordinary priority", "err", err)
		} else {
			slog.Debug("audio: the audio thread runs with real-time priority", "priority", realtimePriority)
		}
	}
	spk := samples(out)
	for d.speaker.len() < len(spk) {
		clear(d.spkFrame[:])
		d.play(d.spkFrame[:])
		d.speaker.write(d.spkFrame[:])
	}
	d.speaker.read(spk)
	d.played.write(spk)
	if mic := samples(in); mic != nil {
		d.mic.write(mic)
	} else {
		// No capture data this time (should not happen in duplex): keep
		// the microphone in step with the speaker with silence.
		for n := len(spk); n > 0; n -= min(n, FrameSamples) {
			d.mic.write(zeros[:min(n, FrameSamples)])
		}
	}
	for d.mic.len() >= FrameSamples && d.played.len() >= FrameSamples {
		d.mic.read(d.micFrame[:])
		d.played.read(d.playedFrame[:])
		d.capture(d.micFrame[:], d.playedFrame[:])
		d.frames.Add(1)
	}
	if o := d.mic.overflowed + d.played.overflowed + d.speaker.overflowed; o != 0 {
		d.overflowed.Add(int64(o))
		d.mic.overflowed, d.played.overflowed, d.speaker.overflowed = 0, 0, 0
	}
}

var zeros [FrameSamples]int16

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
// whole 10 ms frames, as miniaudio's fixed-size callback does (else less
// than a frame, on the speaker's side). What the sound server adds beyond these buffers (PipeWire's
// graph quantum, the sound card) is not in it.
func (d *Duplex) Latency() time.Duration { return d.latency }

// Stats reports the counters; it may be called from any goroutine.
func (d *Duplex) Stats() Stats {
	return Stats{d.callbacks.Load(), d.frames.Load(), d.overflowed.Load()}
}

// ThreadState says what the audio thread is doing now, as the kernel
// reports it (Linux; "" elsewhere or before its first callback): read when
// the device falls behind, it tells a thread that waits for the processor
// from one that waits for something else.
func (d *Duplex) ThreadState() string {
	tid := d.thread.Load()
	if tid == 0 {
		return ""
	}
	return threadState(int(tid))
}

// Close stops the device and returns when Play and Capture will not be called
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
