package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ra-p2p/ra-p2p/capture"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
)

// grabInterval is how often the novice's screen is grabbed. A grab of an
// unchanged 1080p screen costs ~1 ms; the sender keeps only the newest state
// and paces updates to what the viewer asked for.
const grabInterval = 10 * time.Millisecond

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
		snd := stream.NewScreenSender(rw, rw)
		done := make(chan error, 1)
		go func() { done <- snd.Run(ctx) }()
		notify(s.PeerName + " can see your screen.")
		t := time.NewTicker(grabInterval)
		defer t.Stop()
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
			if err != nil {
				logger.Warn("grabbing the screen", "err", err)
				notify("Your screen can no longer be shown: " + err.Error())
				rw.Close()
				<-done
				return
			}
			if err := snd.Offer(stream.RawFrame{
				Width: f.Width, Height: f.Height, Stride: f.Stride, Pix: f.Pix, Dirty: f.Dirty,
				CursorX: f.Cursor.X, CursorY: f.Cursor.Y, CursorVisible: f.Cursor.Visible,
				CursorShape: f.Cursor.Shape, CursorHotX: f.Cursor.HotX, CursorHotY: f.Cursor.HotY,
			}); err != nil {
				logger.Info("screen sender refused a frame", "err", err)
			}
		}
	}
}
