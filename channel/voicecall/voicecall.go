package voicecall

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"

	"github.com/ra-p2p/ra-p2p/audio"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/talk"
)

// Device is a call's sound device: it calls the Config's Play and
// Capture every 10 ms until closed.
type Device interface{ Close() error }

// Channel is the voice channel; both sides run the same one. Set its
// fields before the session starts; Start, Stop and SetMuted may be called
// from any goroutine at any time and never block.
type Channel struct {
	// Helper is true on the helper's side: when both sides ask at the same
	// moment, the helper's request stands and the novice's is dropped.
	Helper bool
	// Microphone and Speaker are audio device IDs (audio.Device.ID); ""
	// is the system's default. Set them before the session starts;
	// SetDevices changes them later.
	Microphone, Speaker string
	// OpenDevice opens a call's sound device; nil = audio.Open.
	OpenDevice func(audio.Config) (Device, error)
	Log        *slog.Logger // nil = slog.Default()

	cmds chan command // Start and Stop, to Run

	mu    sync.Mutex
	state session.VoiceState
	muted bool
	call  *call // the call talking now, for SetMuted

	mine, theirs atomic.Uint64 // the meters' levels, math.Float64bits
}

type command int

const (
	cmdStart command = iota + 1
	cmdStop
)

// Protocol implements session.Channel.
func (*Channel) Protocol() string { return stream.VoiceProtocol }

// Available says why this computer cannot talk (no sound system, no
// microphone), nil when it can: the windows disable Start Talking with the
// reason as its tooltip.
func (c *Channel) Available() error { return audio.Available() }

// Start is Start Talking: it asks the other side. It does nothing while a
// call is being asked or runs.
func (c *Channel) Start() { c.command(cmdStart) }

// Stop is Stop Talking: it ends the call (or withdraws the request) for
// both sides.
func (c *Channel) Stop() { c.command(cmdStop) }

func (c *Channel) command(cmd command) {
	select {
	case c.commands() <- cmd:
	default: // one is pending already: the user clicked twice
	}
}

func (c *Channel) commands() chan command {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmds == nil {
		c.cmds = make(chan command, 1)
	}
	return c.cmds
}

// Devices lists the microphones and speakers there are now.
func (c *Channel) Devices() (microphones, speakers []audio.Device, err error) {
	if microphones, err = audio.Microphones(); err != nil {
		return nil, nil, err
	}
	if speakers, err = audio.Speakers(); err != nil {
		return nil, nil, err
	}
	return microphones, speakers, nil
}

// SetDevices chooses the microphone and speaker (audio.Device.ID; "" =
// the system's default) from the next call on.
func (c *Channel) SetDevices(microphone, speaker string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Microphone, c.Speaker = microphone, speaker
}

// ChosenDevices are the microphone and speaker the next call opens.
func (c *Channel) ChosenDevices() (microphone, speaker string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Microphone, c.Speaker
}

// SetMuted mutes or opens this side's microphone; it is kept for the next
// call too. The other side is told, to show it.
func (c *Channel) SetMuted(muted bool) {
	c.mu.Lock()
	c.muted = muted
	cl := c.call
	c.mu.Unlock()
	if cl != nil {
		cl.setMuted(muted)
	}
}

// Muted says whether this side's microphone is muted.
func (c *Channel) Muted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.muted
}

// State is where the call stands now.
func (c *Channel) State() session.VoiceState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Levels are the meters during a call, each 0..1: this side's microphone
// after echo cancellation (what the other side hears), and what the
// speaker plays. Both are 0 outside a call.
func (c *Channel) Levels() (mine, theirs float64) {
	return math.Float64frombits(c.mine.Load()), math.Float64frombits(c.theirs.Load())
}

func (c *Channel) logger() *slog.Logger { return cmp.Or(c.Log, slog.Default()) }

// setState records the call's state and tells the interface.
func (c *Channel) setState(s *session.Session, st session.VoiceState) {
	c.mu.Lock()
	changed := c.state != st
	c.state = st
	c.mu.Unlock()
	if changed {
		s.Emit(session.Event{Kind: session.EventVoice, Voice: st})
	}
}

func status(s *session.Session, text string) {
	s.Emit(session.Event{Kind: session.EventStatus, Text: text})
}

// Run implements session.Channel: it takes the other side's requests and
// this side's Start and Stop, one call at a time, until the connection or
// the session ends (ending the call that runs).
func (c *Channel) Run(ctx context.Context, s *session.Session) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	incoming := make(chan io.ReadWriteCloser)
	wg.Go(func() {
		for {
			rw, err := s.AcceptChannel(ctx, stream.VoiceProtocol)
			if err != nil {
				return
			}
			select {
			case incoming <- rw:
			case <-ctx.Done():
				rw.Close()
				return
			}
		}
	})
	// A click just before Run started (the button is enabled once the
	// session is connected, a moment before its channels run) counts.
	cmds := c.commands()

	var cur *call
	var curDone <-chan struct{}
	begin := func(cl *call) {
		cur, curDone = cl, cl.done
		wg.Go(cl.run)
	}
	for {
		select {
		case <-ctx.Done():
			if cur != nil {
				<-curDone
			}
			return nil
		case cmd := <-cmds:
			switch {
			case cmd == cmdStart && cur == nil:
				begin(newCall(ctx, c, s, nil, false))
			case cmd == cmdStop && cur != nil:
				cur.hangUp()
			}
		case rw := <-incoming:
			switch {
			case cur == nil:
				begin(newCall(ctx, c, s, rw, false))
			case !c.Helper && cur.waitingForAnswer():
				// Both asked at once: the helper's request stands. This
				// side's person asked to talk already, so it is allowed
				// without asking.
				cur.abandon()
				<-curDone
				begin(newCall(ctx, c, s, rw, true))
			default:
				wg.Go(func() { decline(rw, "busy") })
			}
		case <-curDone:
			cur, curDone = nil, nil
		}
	}
}

// decline answers a request this side cannot take.
func decline(rw io.ReadWriteCloser, reason string) {
	defer rw.Close()
	talk.NewConn(rw).Send(talk.Message{Op: talk.OpDecline, Reason: reason})
}
