package render

import (
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// The connection line (issue 13): F2 shows, above the chat history, what
// HelperConfig.ConnectionLine says about the link, asked again every
// connLineEvery while it is shown, and hides it again.
const connLineEvery = time.Second

// connLineKey toggles the line (game goroutine); F2 works in control too,
// as F11 does, and is then not sent to the remote computer.
func (w *HelperWindow) connLineKey() {
	if w.cfg.ConnectionLine == nil || !inpututil.IsKeyJustPressed(ebiten.KeyF2) {
		return
	}
	w.mu.Lock()
	w.connShown = !w.connShown
	shown := w.connShown
	w.mu.Unlock()
	if w.connLabel == nil {
		st := w.style
		w.connLabel = st.newLabel("Measuring the connection…", &st.small, st.dim)
		w.connLabel.MaxWidth = leftWidth - 24
	}
	if shown {
		w.transfers.AddChild(w.connLabel)
		w.askConnLine() // at once
	} else {
		w.transfers.RemoveChild(w.connLabel)
	}
	w.left.RequestRelayout()
	w.uiDirty = true
}

// setConnLine shows text in the line (game goroutine).
func (w *HelperWindow) setConnLine(text string) {
	if w.connLabel != nil && text != "" && w.connLabel.Label != text {
		w.connLabel.Label = text
		w.left.RequestRelayout()
		w.uiDirty = true
	}
}

// connLineLoop asks ConnectionLine every connLineEvery while the line is
// shown (run's loop: it ends when the window does).
func (w *HelperWindow) connLineLoop(stop <-chan struct{}) {
	tick := time.NewTicker(connLineEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		case <-w.connAsk:
		}
		w.mu.Lock()
		shown := w.connShown
		w.mu.Unlock()
		if shown {
			text := w.cfg.ConnectionLine()
			w.update(func() { w.connText = text })
		}
	}
}

// askConnLine asks connLineLoop for the line now.
func (w *HelperWindow) askConnLine() {
	select {
	case w.connAsk <- struct{}{}:
	default:
	}
}
