package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ra-p2p/ra-p2p/capture"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// The novice's screen is grabbed every 5 ms while it changes (a grab of
// 1080p costs ~1 ms; the 10 ms interval cost ~3 ms of latency in the
// benchmark) and every 20 ms after 250 ms without a change, so an idle
// desktop costs ~5% of a core. The sender keeps only the newest state and
// paces updates to what the viewer asked for.
const (
	grabBusy     = 5 * time.Millisecond
	grabIdle     = 20 * time.Millisecond
	busyDuration = 250 * time.Millisecond
)

// hasDisplay says whether this computer has a screen to share (X11).
func hasDisplay() bool { return os.Getenv("DISPLAY") != "" }

// shareScreen serves the novice's screen channel: capture → screen sender.
// notify tells the user (terminal and window) what happened.
func shareScreen(logger *slog.Logger, notify func(string)) session.ChannelHandler {
	return func(ctx context.Context, s *session.Session, rw io.ReadWriteCloser) {
		g, err := capture.Open("", capture.Options{})
		if err != nil {
			logger.Warn("screen capture unavailable", "err", err)
			notify("Your screen cannot be shown to " + s.PeerName + ": " + err.Error())
			return
		}
		defer g.Close()
		snd := screen.NewSender(rw, rw)
		done := make(chan error, 1)
		go func() { done <- snd.Run(ctx) }()
		notify(s.PeerName + " can see your screen.")
		t := time.NewTimer(grabIdle)
		defer t.Stop()
		var lastChange time.Time
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
			case <-t.C:
			}
			f, err := g.Grab()
			next := grabIdle
			if err == nil && len(f.Dirty) > 0 {
				lastChange = time.Now()
			}
			if time.Since(lastChange) < busyDuration {
				next = grabBusy
			}
			t.Reset(next)
			if err != nil {
				logger.Warn("grabbing the screen", "err", err)
				notify("Your screen can no longer be shown: " + err.Error())
				rw.Close()
				<-done
				return
			}
			if err := snd.Offer(*f); err != nil {
				logger.Info("screen sender refused a frame", "err", err)
			}
		}
	}
}
