package screenshare

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/ra-p2p/ra-p2p/capture"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/cores"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// The novice's screen is grabbed when the X server says something was
// drawn (capture's Changes), at most every 5 ms (a grab costs ~0.2 ms when
// only the damaged tiles are copied; the 10 ms interval cost ~3 ms of
// latency in the benchmark). The pointer draws nothing and is polled
// every 20 ms while it moves. Once it has been still for half a second,
// its motion wakes the loop (capture's Moves: XInput 2's raw motion, a
// person's or the helper's control), and the poll every 500 ms only finds
// a pointer a program warped (which raises no raw motion); without XInput
// 2 it is polled every 40 ms (x0vncserver polls every 30 ms). A poll costs:
// the rig's novice with a still screen used 1.1 % of a core polling every
// 40 ms, 0.3 % waiting for motion. Without DAMAGE (Windows) the screen is
// polled: while it changes, 1 ms after each grab, or a third of the grab's
// own time if that is longer (at most three quarters of a core, on a
// machine where a grab is slow); every 20 ms after 250 ms without a
// change. Such a grab copies only the lately changed tiles between two
// copies of the whole screen (capture), so a change where the person works
// waits for half of a cycle of a few milliseconds, not of 11: under Wine
// the Windows novice's latency went 20.5 → 12.5 ms for 44.6 → 53.1 % of a
// core (BenchmarkWindowsNovice). The sender keeps only the newest state and
// paces updates to what the viewer asked for.
const (
	grabBusy     = 5 * time.Millisecond
	pollBusy     = 1 * time.Millisecond
	grabIdle     = 20 * time.Millisecond
	pointerStill = 40 * time.Millisecond
	stillAfter   = 500 * time.Millisecond
	busyDuration = 250 * time.Millisecond
	// statsInterval is how often the sender's counters are logged (debug
	// level only), in whole seconds.
	statsInterval = time.Second
)

// pointerWarped is the poll of a still pointer whose motion wakes the
// loop: only a warp goes unseen. A variable for a test that turns it off.
var pointerWarped = 500 * time.Millisecond

// Share is the novice's half: it shows this computer's screen to the
// accepted helper, for each screen stream the helper opens.
type Share struct {
	Display string       // the X display to grab; "" = $DISPLAY
	Log     *slog.Logger // nil = slog.Default()
}

// Protocol implements session.Channel.
func (*Share) Protocol() string { return stream.ScreenProtocol }

// Run implements session.Channel: it serves the helper's screen streams,
// one at a time, until the session ends.
func (sh *Share) Run(ctx context.Context, s *session.Session) error {
	return s.ServeEach(ctx, stream.ScreenProtocol, func(rw io.ReadWriteCloser) { sh.serve(ctx, s, rw) })
}

// serve runs capture → screen sender over one stream until it ends.
func (sh *Share) serve(ctx context.Context, s *session.Session, rw io.ReadWriteCloser) {
	defer rw.Close()
	logger := cmp.Or(sh.Log, slog.Default())
	status := func(text string) { s.Emit(session.Event{Kind: session.EventStatus, Text: text}) }
	g, err := capture.Open(sh.Display, capture.Options{})
	if err != nil {
		logger.Warn("screen capture unavailable", "err", err)
		status("Your screen cannot be shown to " + s.PeerName + ": " + err.Error())
		return
	}
	defer g.Close()
	// Many small wake-ups, few milliseconds of work: one thread does them
	// without handing each to another (see package cores).
	defer cores.One()()
	snd := screen.NewSender(rw, rw)
	snd.SetPathRTT(s.PathRTT)
	done := make(chan error, 1)
	go func() { done <- snd.Run(ctx) }()
	status(s.PeerName + " can see your screen.")
	t := time.NewTimer(grabIdle)
	defer t.Stop()
	// With --verbose, a line a second of what the sender does (what it
	// wrote and, under Automatic, its pace) and what the grabs cost: the
	// shaped-link benchmark reads them.
	var statsTick <-chan time.Time
	if logger.Enabled(ctx, slog.LevelDebug) {
		tick := time.NewTicker(statsInterval)
		defer tick.Stop()
		statsTick = tick.C
	}
	var lastChange, lastGrab, lastMove time.Time
	var grabs int64            // grabs since the last stats line
	var grabTime time.Duration // and their time
	var prev screen.Stats
	var prevCursor desktop.Cursor
	changes := g.Changes()
	var moves <-chan struct{} // while the pointer is still: its motion wakes the loop
	var acks <-chan struct{}  // while a grab waits for the sender's window
	for {
		select {
		case <-ctx.Done():
			<-done
			return
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				logger.Info("screen stream ended", "err", err)
			}
			return
		case <-statsTick:
			st := snd.Stats()
			logger.Debug("screen sender", "kbit_s", (st.Bytes-prev.Bytes)*8/1000/int64(statsInterval/time.Second),
				"updates", st.Updates-prev.Updates, "jpeg_tiles", st.TilesJPEG-prev.TilesJPEG, "lossless_tiles", st.TilesLossless-prev.TilesLossless,
				"auto_kbit_s", int64(st.AutoRate*8/1000), "auto_cuts", st.AutoCuts, "auto_quality", st.AutoQuality, "auto_fps", st.AutoFPS,
				"auto", st.AutoState, "grabs", grabs, "grab_ms", float64(grabTime)/float64(time.Millisecond)/float64(max(grabs, 1)),
				"encode_ms", float64(st.EncodeTime-prev.EncodeTime)/float64(time.Millisecond)/float64(max(st.Updates-prev.Updates, 1)))
			prev, grabs, grabTime = st, 0, 0
			continue
		case <-changes:
			wait := grabBusy - time.Since(lastGrab)
			if wait <= 0 {
				// The sender cannot send before then: what is drawn
				// meanwhile joins this grab.
				select {
				case <-snd.Acks(): // an old one: only a new ack counts
				default:
				}
				var untilAck bool
				if wait, untilAck = snd.GrabHold(time.Now()); untilAck {
					// As an RFB server waits for the viewer's request:
					// grab when an ack lets the sender send (or the
					// timer polls the pointer).
					acks, changes = snd.Acks(), nil
					continue
				}
			}
			if wait > 0 {
				// Too soon: the timer will do it.
				t.Reset(wait)
				changes = nil
				continue
			}
		case <-moves:
			// Poll it as it moves (below), not at every motion event.
			moves = nil
			if wait := grabBusy - time.Since(lastGrab); wait > 0 {
				t.Reset(wait)
				continue
			}
		case <-acks:
		case <-t.C:
		}
		acks = nil
		start := time.Now()
		f, err := g.Grab()
		lastGrab = time.Now()
		cost := lastGrab.Sub(start)
		grabs, grabTime = grabs+1, grabTime+cost
		changes, moves = g.Changes(), nil
		next := grabIdle
		if err == nil && len(f.Dirty) > 0 {
			lastChange = lastGrab
		}
		if err == nil && (f.Cursor.X != prevCursor.X || f.Cursor.Y != prevCursor.Y) {
			lastMove = lastGrab
		}
		switch {
		case changes == nil && time.Since(lastChange) < busyDuration:
			next = max(pollBusy, cost/3)
		case changes != nil && time.Since(lastMove) >= stillAfter:
			next = pointerStill
			if moves = g.Moves(); moves != nil {
				next = pointerWarped
			}
		}
		t.Reset(next)
		if err != nil {
			logger.Warn("grabbing the screen", "err", err)
			status("Your screen can no longer be shown: " + err.Error())
			rw.Close()
			<-done
			return
		}
		cur := f.Cursor
		cur.Shape = nil
		if len(f.Dirty) == 0 && f.Cursor.Shape == nil && cur == prevCursor {
			continue // nothing for the sender: do not wake it
		}
		prevCursor = cur
		if err := snd.Offer(*f); err != nil {
			logger.Info("screen sender refused a frame", "err", err)
		}
	}
}
