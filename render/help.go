package render

import (
	"context"
	"time"
)

// helpText is the in-app help page.
func (w *Window) helpText() string {
	if w.cfg.Role == Helper {
		return "How Remote Assistance works\n\n" +
			"• The right side shows " + w.cfg.PeerName + "'s screen, live. Press F11 to show it over the whole window, 1:1 (F11 or ESC again to come back); \"Actual size\" shows it at 100% with scrolling.\n" +
			"• Chat: type in the box at the bottom left and press ENTER or Send. The history also records changes such as \"Connected to …\".\n" +
			"• Take Control asks " + w.cfg.PeerName + " to let you use the mouse and keyboard over the screen on the right. Once allowed, click in the screen to type there; click in the chat box to type a message. Release Control gives it back.\n" +
			"• " + w.cfg.PeerName + " can take control back at any moment by pressing ESC on their keyboard.\n" +
			"• Send a File, Start Talking and Settings are not available in this version yet; their buttons stay greyed out.\n" +
			"• Disconnect (or closing the window) ends the session for both of you."
	}
	return "How Remote Assistance works\n\n" +
		"• Your helper sees your screen while you are connected. They can use your mouse and keyboard only if you allow it when asked.\n" +
		"• While your helper has control, press ESC (or Stop Control) to take it back at once.\n" +
		"• Chat: type in the box at the bottom and press ENTER or Send.\n" +
		"• Disconnect (or closing this window) ends the session at once.\n" +
		"• Send a File and Start Talking are not available in this version yet."
}

func (w *Window) openHelp() {
	d := &dialog{text: w.helpText(), yes: "Close", answers: make(chan string, 1)}
	if w.cfg.CheckNetwork != nil {
		d.text += "\n\n\"Check this network\" tells what your network allows for direct connections (as the command \"ra-p2p check\" does)."
		// ESC keeps closing the page (the second button); ENTER checks.
		d.yes, d.no = "Check this network", "Close"
		d.onAnswer = func(yes bool) {
			if yes {
				w.startNetworkCheck()
			}
		}
	}
	w.showDialog(d)
}

// startNetworkCheck runs CheckNetwork in the background and shows its
// report in a dialog; the history says it is running (it takes seconds).
func (w *Window) startNetworkCheck() {
	if !w.checking.CompareAndSwap(false, true) {
		return // one at a time
	}
	w.Post(Entry{Time: time.Now(), Text: "Checking what this network allows…"})
	w.bg.Go(func() {
		defer w.checking.Store(false)
		ctx, cancel := context.WithTimeout(w.bgCtx, 30*time.Second)
		defer cancel()
		report := w.cfg.CheckNetwork(ctx)
		if w.bgCtx.Err() != nil {
			return // the window is gone
		}
		w.queueDialog(&dialog{text: "What this network allows\n\n" + report, yes: "Close", answers: make(chan string, 1)})
	})
}
