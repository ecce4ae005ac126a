package screenshare

import (
	"cmp"
	"context"
	"image"
	"log/slog"
	"sync"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// View is the helper's half: it opens the screen stream when the session
// starts and keeps the newest image of the novice's screen for the window.
type View struct {
	// Updated is called, from the receiving goroutine, when a new image or
	// pointer state is ready (the window draws it or wakes up). Nil: none.
	Updated func()
	Log     *slog.Logger // nil = slog.Default()

	mu      sync.Mutex
	rcv     *screen.Receiver
	pane    image.Point // the pane size the window reported
	quality Quality     // the helper's choice (SetQuality)
}

// Protocol implements session.Channel.
func (*View) Protocol() string { return stream.ScreenProtocol }

// SetPaneSize says how big the window's pane is: the novice's side scales
// the screen down to it (0×0: every pixel), with the Quality chosen. It
// never blocks.
func (v *View) SetPaneSize(w, h int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pane = image.Pt(w, h)
	v.sendLocked()
}

// SetQuality applies the helper's choice of quality, at once if the
// screen is shown (the novice's side sends a whole new picture with it)
// and to every screen stream after. The pane's size stays as set. It
// never blocks.
func (v *View) SetQuality(q Quality) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.quality = q
	v.sendLocked()
}

// Quality is the choice SetQuality made (the zero Quality before).
func (v *View) Quality() Quality {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.quality
}

// sendLocked asks the sender for the quality and the pane size, both:
// the viewer's settings replace each other whole, so each change must
// carry the other.
func (v *View) sendLocked() {
	if v.rcv == nil {
		return // Run sends them when the stream opens
	}
	s := v.quality.Settings()
	s.MaxWidth, s.MaxHeight = v.pane.X, v.pane.Y
	v.rcv.SetSettings(s)
}

// Link is what the viewer knows of the screen's path now (zero before the
// stream opens): see screen.Receiver.Link.
func (v *View) Link() screen.Link {
	if rcv := v.receiver(); rcv != nil {
		return rcv.Link()
	}
	return screen.Link{}
}

// WithLatest lends the newest image to fn (a zero View before the first);
// see screen.Receiver.WithLatest.
func (v *View) WithLatest(fn func(desktop.View)) {
	if rcv := v.receiver(); rcv != nil {
		rcv.WithLatest(fn)
		return
	}
	fn(desktop.View{})
}

// Latest is a copy of the newest image (zero before the first), to keep.
func (v *View) Latest() desktop.View {
	if rcv := v.receiver(); rcv != nil {
		return rcv.Latest()
	}
	return desktop.View{}
}

// receiver is the screen stream's receiver, nil before it opens.
func (v *View) receiver() *screen.Receiver {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.rcv
}

// Run implements session.Channel: it opens the screen stream and receives
// until the session or the stream ends.
func (v *View) Run(ctx context.Context, s *session.Session) error {
	logger := cmp.Or(v.Log, slog.Default())
	status := func(text string) { s.Emit(session.Event{Kind: session.EventStatus, Text: text}) }
	rw, err := s.OpenChannel(ctx, stream.ScreenProtocol)
	if err != nil {
		logger.Warn("opening the screen channel", "err", err)
		status(s.PeerName + "'s screen cannot be shown: " + err.Error())
		return nil
	}
	defer rw.Close()
	rcv := screen.NewReceiver(rw, rw)
	v.mu.Lock()
	v.rcv = rcv
	v.sendLocked()
	v.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- rcv.Run(ctx) }()
	for {
		select {
		case <-rcv.Updated():
			if v.Updated != nil {
				v.Updated()
			}
		case err := <-done:
			if err != nil && ctx.Err() == nil && s.Reason() == "" {
				logger.Info("screen channel ended", "err", err)
				status(s.PeerName + "'s screen is no longer shown.")
			}
			return nil
		}
	}
}
