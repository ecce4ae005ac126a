package voicecall

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ra-p2p/ra-p2p/audio"
	"github.com/ra-p2p/ra-p2p/audio/echo"
	"github.com/ra-p2p/ra-p2p/internal/cores"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/talk"
	"github.com/ra-p2p/ra-p2p/voice"
)

// How long a request waits: for the other side's question to be asked
// (the request itself), and for its person to answer.
const (
	requestTimeout = 10 * time.Second
	answerTimeout  = 2 * time.Minute
)

// callBitrate is Opus's rate for a call: above voice's default, as the
// speech that reaches the other side measured closer to what was said
// (correlation 0.83 at 28 kbit/s, 0.86 at 40 in TestTalkBothWays), and 48
// kbit/s is little beside the screen on a direct connection.
const callBitrate = 48000

// callComplexity is Opus's encoder effort: 5 of 10 halves its CPU (the
// encoder was the largest part of a call's) for a quality a listener does
// not tell apart at 48 kbit/s.
const callComplexity = 5

// echoTail is how much delay and room echo the canceller covers: a sound
// server's buffers (up to about 100 ms) and a room's reverberation.
const echoTail = 250 * time.Millisecond

// call is one call: asked by this side (rw nil until the stream is
// opened) or by the other.
type call struct {
	c         *Channel
	s         *session.Session
	ctx       context.Context // ends the call: hang-up, the other side's stop, the connection
	cancel    context.CancelFunc
	done      chan struct{} // closed when run has returned
	outgoing  bool
	autoAllow bool // the other side asked while this side was asking too

	rw      io.ReadWriteCloser
	conn    *talk.Conn
	request chan struct{}     // incoming: the caller's OpRequest arrived
	answer  chan talk.Message // outgoing: the callee's OpAllow or OpDecline

	receiver atomic.Pointer[voice.Receiver] // set while talking: where packets go

	mu        sync.Mutex
	answered  bool   // the other side answered this side's request
	abandoned bool   // dropped for the other side's request: tell nobody
	hungUp    bool   // this side's person stopped it
	peerEnd   string // why the other side's end ended it, for the history
	sender    *voice.Sender
}

func newCall(ctx context.Context, c *Channel, s *session.Session, rw io.ReadWriteCloser, autoAllow bool) *call {
	cl := &call{c: c, s: s, rw: rw, outgoing: rw == nil, autoAllow: autoAllow, done: make(chan struct{}),
		request: make(chan struct{}, 1), answer: make(chan talk.Message, 1)}
	cl.ctx, cl.cancel = context.WithCancel(ctx)
	return cl
}

func (cl *call) waitingForAnswer() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.outgoing && !cl.answered
}

func (cl *call) abandon() {
	cl.mu.Lock()
	cl.abandoned = true
	cl.mu.Unlock()
	cl.cancel()
}

func (cl *call) hangUp() {
	cl.mu.Lock()
	cl.hungUp = true
	cl.mu.Unlock()
	cl.cancel()
}

// ended records why the other side's end ended the call (the first reason
// stands) and ends it.
func (cl *call) ended(why string) {
	cl.mu.Lock()
	if cl.peerEnd == "" && !cl.hungUp {
		cl.peerEnd = why
	}
	cl.mu.Unlock()
	cl.cancel()
}

func (cl *call) setMuted(muted bool) {
	cl.mu.Lock()
	sender := cl.sender
	cl.mu.Unlock()
	if sender == nil {
		return
	}
	sender.SetMuted(muted)
	op := talk.OpUnmuted
	if muted {
		op = talk.OpMuted
	}
	cl.conn.Send(talk.Message{Op: op})
}

// run runs the call from the question to its end. When it returns the
// sound device is closed, the stream too, and the state is Off (unless the
// call was abandoned for the other side's, which takes over).
func (cl *call) run() {
	defer close(cl.done)
	defer cl.cancel()
	c, s, peer := cl.c, cl.s, cl.s.PeerName
	var wg sync.WaitGroup // the stream reader
	defer func() {
		cl.cancel()
		if cl.rw != nil {
			cl.rw.Close()
		}
		wg.Wait()
		cl.mu.Lock()
		abandoned := cl.abandoned
		cl.mu.Unlock()
		if !abandoned {
			c.setState(s, session.VoiceOff)
		}
	}()

	if cl.outgoing {
		if err := c.Available(); err != nil {
			status(s, plainDeviceError(err))
			return
		}
		c.setState(s, session.VoiceCalling)
		status(s, "Asking "+peer+" to talk…")
		rw, err := s.OpenChannel(cl.ctx, stream.VoiceProtocol)
		if err != nil {
			switch {
			case errors.Is(err, session.ErrNoSuchChannel):
				status(s, peer+"'s ra-p2p cannot talk yet: ask "+peer+" to update it.")
			case cl.ctx.Err() != nil:
			default:
				status(s, "Could not ask "+peer+" to talk: "+err.Error())
			}
			return
		}
		cl.rw = rw
	}
	cl.conn = talk.NewConn(cl.rw)
	wg.Go(cl.read)

	if !cl.agree() {
		return
	}
	cl.talk()
}

// agree asks (or answers) until both sides agreed to talk; false when the
// call is over, which it said in the history.
func (cl *call) agree() bool {
	c, s, peer := cl.c, cl.s, cl.s.PeerName
	if cl.outgoing {
		if err := cl.conn.Send(talk.Message{Op: talk.OpRequest}); err != nil {
			status(s, "Could not ask "+peer+" to talk: the connection failed.")
			return false
		}
		timer := time.NewTimer(answerTimeout)
		defer timer.Stop()
		select {
		case m := <-cl.answer:
			cl.mu.Lock()
			cl.answered = true
			cl.mu.Unlock()
			if m.Op == talk.OpAllow {
				status(s, "You started talking with "+peer)
				return true
			}
			status(s, declinedText(peer, m.Reason))
		case <-timer.C:
			cl.conn.Send(talk.Message{Op: talk.OpStop, Reason: "no-answer"})
			status(s, peer+" did not answer your request to talk.")
		case <-cl.ctx.Done():
			if cl.quietEnd() {
				return false
			}
			if cl.isHungUp() {
				cl.conn.Send(talk.Message{Op: talk.OpStop, Reason: "withdrawn"})
				status(s, "You withdrew your request to talk.")
			} else {
				status(s, "Voice ended: "+cl.endReason())
			}
		}
		return false
	}

	timer := time.NewTimer(requestTimeout)
	defer timer.Stop()
	select {
	case <-cl.request:
	case <-timer.C:
		return false
	case <-cl.ctx.Done():
		return false
	}
	if !cl.autoAllow {
		c.setState(s, session.VoiceAsked)
		ok, err := s.Confirm(cl.ctx, session.Question{Kind: session.AskAllowMicrophone, Peer: peer})
		switch {
		case cl.ctx.Err() != nil && !cl.isHungUp():
			status(s, peer+" withdrew the request to talk.")
			return false
		case err != nil || !ok:
			cl.conn.Send(talk.Message{Op: talk.OpDecline, Reason: "declined"})
			status(s, "You declined to talk with "+peer+".")
			return false
		}
	}
	if err := c.Available(); err != nil {
		cl.conn.Send(talk.Message{Op: talk.OpDecline, Reason: "no-sound"})
		status(s, plainDeviceError(err))
		return false
	}
	if err := cl.conn.Send(talk.Message{Op: talk.OpAllow}); err != nil {
		status(s, "Voice ended: the connection failed.")
		return false
	}
	status(s, peer+" started talking")
	return true
}

// quietEnd: the call was dropped for the other side's request, which
// takes over without a word in the history.
func (cl *call) quietEnd() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.abandoned
}

func (cl *call) isHungUp() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.hungUp
}

func (cl *call) endReason() string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.peerEnd
}

// declinedText words the other side's OpDecline.
func declinedText(peer, reason string) string {
	switch reason {
	case "busy":
		return peer + " cannot talk right now: try again in a moment."
	case "no-sound":
		return peer + "'s computer has no microphone or sound system that works, so you cannot talk. Use the chat instead."
	}
	return peer + " declined to talk."
}

// plainDeviceError words why this computer cannot talk.
func plainDeviceError(err error) string {
	if errors.Is(err, audio.ErrNoSoundSystem) {
		return "This computer has no sound system that ra-p2p can use, so you cannot talk. Use the chat instead."
	}
	return "Could not open the microphone or speaker: " + err.Error() + ". Check them under Settings."
}

// read takes the call's stream: messages to the call, packets to the
// receiver while talking. A broken rule ends the call.
func (cl *call) read() {
	peer := cl.s.PeerName
	gotRequest := false
	for {
		m, p, isPacket, err := cl.conn.Receive()
		if err != nil {
			if errors.Is(err, talk.ErrBadMessage) {
				cl.c.logger().Warn("voice stream refused", "err", err)
			}
			cl.ended("the connection was lost.")
			return
		}
		if isPacket {
			if r := cl.receiver.Load(); r != nil {
				r.Put(voicePacket(p), time.Now())
			}
			continue
		}
		switch m.Op {
		case talk.OpRequest:
			if cl.outgoing || gotRequest {
				cl.ended("the other side's ra-p2p broke the rules of a call.")
				return
			}
			gotRequest = true
			cl.request <- struct{}{}
		case talk.OpAllow, talk.OpDecline:
			if !cl.outgoing {
				cl.ended("the other side's ra-p2p broke the rules of a call.")
				return
			}
			select {
			case cl.answer <- m:
			default: // a second answer
				cl.ended("the other side's ra-p2p broke the rules of a call.")
				return
			}
			if m.Op == talk.OpDecline {
				return
			}
		case talk.OpStop:
			cl.ended(peer + " stopped talking.")
			return
		case talk.OpMuted:
			status(cl.s, peer+" muted the microphone")
		case talk.OpUnmuted:
			status(cl.s, peer+"'s microphone is on again")
		}
	}
}

// voicePacket copies a packet off the stream's buffer for the receiver.
func voicePacket(p talk.Packet) voice.Packet {
	return voice.Packet{Seq: p.Seq, Time: p.Time, Payload: append([]byte(nil), p.Payload...)}
}

// talk runs the sound both ways until the call ends.
func (cl *call) talk() {
	c, s := cl.c, cl.s
	logger := c.logger()
	// The audio thread's callbacks run Go code: each must find a free
	// thread at once, not wait for the screen's encoder to yield one.
	defer cores.All()()
	c.setState(s, session.VoiceOn)
	defer func() {
		switch {
		case cl.isHungUp():
			cl.conn.Send(talk.Message{Op: talk.OpStop, Reason: "button"})
			status(s, "Voice ended")
		default:
			status(s, "Voice ended: "+cl.endReason())
		}
	}()

	sender, err := voice.NewSender(voice.SenderConfig{Bitrate: callBitrate, Complexity: callComplexity})
	if err != nil {
		status(s, "Could not start the voice encoder: "+err.Error())
		return
	}
	receiver, err := voice.NewReceiver(voice.ReceiverConfig{})
	if err != nil {
		status(s, "Could not start the voice decoder: "+err.Error())
		return
	}
	canceller, err := echo.New(audio.FrameSamples, audio.SampleRate, echoTail)
	if err != nil {
		status(s, "Could not start the echo canceller: "+err.Error())
		return
	}
	defer canceller.Close()
	sender.SetMuted(c.Muted())

	clean := make([]int16, audio.FrameSamples)
	play := func(speaker []int16) {
		receiver.Pull(speaker)
		c.theirs.Store(math.Float64bits(voice.Level(speaker)))
	}
	capture := func(mic, played []int16) {
		canceller.Process(mic, played, clean)
		sender.Push(clean)
		c.mine.Store(math.Float64bits(voice.Level(clean)))
	}
	open := c.OpenDevice
	if open == nil {
		open = func(cfg audio.Config) (Device, error) { return audio.Open(cfg) }
	}
	mic, spk := c.ChosenDevices()
	dev, err := open(audio.Config{Microphone: mic, Speaker: spk, Play: play, Capture: capture, Log: logger})
	if err != nil {
		cl.conn.Send(talk.Message{Op: talk.OpStop, Reason: "no-sound"})
		cl.ended(plainDeviceError(err))
		return
	}
	cl.receiver.Store(receiver)
	cl.mu.Lock()
	cl.sender = sender
	cl.mu.Unlock()
	c.mu.Lock()
	c.call = cl
	c.mu.Unlock()

	var wg sync.WaitGroup
	send := cl.sendFunc()
	wg.Go(func() {
		if err := sender.Run(cl.ctx, send); err != nil && cl.ctx.Err() == nil {
			logger.Warn("sending voice", "err", err)
			cl.ended("the connection failed.")
		}
	})
	if dg, ok := s.Datagrams(); ok {
		wg.Go(func() { cl.readDatagrams(dg, receiver) })
	}
	// How the call goes, now and then, for --verbose: where a delay that
	// grows comes from (the jitter buffer, or the sound device).
	stats := time.NewTicker(statsEvery)
	defer stats.Stop()
	// The first seconds are not judged: a device may take a second to
	// start (a Bluetooth headset changing its profile).
	var health *callHealth
	for running := true; running; {
		select {
		case <-cl.ctx.Done():
			running = false
		case <-stats.C:
			st, sent := receiver.Stats(), sender.Stats()
			if now := sampleOf(dev, st, time.Now()); health == nil {
				health = newCallHealth(now)
			} else {
				for _, msg := range health.update(now, s.PeerName) {
					logger.Warn("voice call", "health", msg, "audio_thread", deviceThread(dev))
					status(s, msg)
				}
			}
			logger.Debug("voice call", "received", st.Packets, "target", st.Target, "delay", st.Delay, "jitter", st.Jitter, "late", st.Late,
				"lost", st.Lost, "fec", st.FECRecovered, "concealed", st.Concealed, "dropped", st.Dropped, "stretched", st.Stretched,
				"stalls", st.Stalls, "sent", sent.Packets, "send_dropped", sent.Dropped, "mic_level", math.Float64frombits(c.mine.Load()),
				"speaker_level", math.Float64frombits(c.theirs.Load()), "device", deviceLog(dev))
		}
	}

	c.mu.Lock()
	c.call = nil
	c.mu.Unlock()
	if err := dev.Close(); err != nil {
		logger.Warn("closing the sound device", "err", err)
	}
	cl.receiver.Store(nil)
	wg.Wait()
	c.mine.Store(0)
	c.theirs.Store(0)
	st := receiver.Stats()
	logger.Info("voice call ended", "stats", fmt.Sprintf("%+v", st))
}

// statsEvery is how often a call logs how it goes (at debug level):
// often enough that a test's few seconds of speech fall between two lines.
const statsEvery = 3 * time.Second

// deviceStats are dev's counters when it keeps them (an audio.Duplex
// does; a test's device may not): for the call's log line and its health.
func deviceStats(dev Device) (audio.Stats, bool) {
	d, ok := dev.(interface{ Stats() audio.Stats })
	if !ok {
		return audio.Stats{}, false
	}
	return d.Stats(), true
}

// deviceLog is dev's counters for the log line ("none" without them).
func deviceLog(dev Device) string {
	if st, ok := deviceStats(dev); ok {
		return fmt.Sprintf("%+v", st)
	}
	return "none"
}

// deviceThread is what dev's audio thread is doing now when dev can say
// ("unknown" otherwise): with a health warning in the log, it tells a
// thread that waited for the processor from one that waited on something
// else.
func deviceThread(dev Device) string {
	if d, ok := dev.(interface{ ThreadState() string }); ok {
		return cmp.Or(d.ThreadState(), "unknown")
	}
	return "unknown"
}

// sendFunc sends packets as datagrams when the connection has them, on the
// stream otherwise (and from the first datagram that fails on).
func (cl *call) sendFunc() func(voice.Packet) error {
	dg, ok := cl.s.Datagrams()
	var buf []byte
	return func(p voice.Packet) error {
		tp := talk.Packet{Seq: p.Seq, Time: p.Time, Payload: p.Payload}
		if ok {
			var err error
			if buf, err = talk.AppendPacket(buf[:0], tp); err != nil {
				return err
			}
			if err := dg.SendDatagram(buf); err == nil {
				return nil
			} else {
				cl.c.logger().Info("voice packets go on the stream from now on", "err", err)
				ok = false
			}
		}
		return cl.conn.SendPacket(tp)
	}
}

// readDatagrams takes the packets that arrive as datagrams until the call
// ends; what is not a voice packet is dropped.
func (cl *call) readDatagrams(dg session.Datagrams, r *voice.Receiver) {
	for {
		b, err := dg.ReceiveDatagram(cl.ctx)
		if err != nil {
			return
		}
		p, err := talk.ParsePacket(b)
		if err != nil {
			continue
		}
		r.Put(voice.Packet{Seq: p.Seq, Time: p.Time, Payload: p.Payload}, time.Now())
	}
}
