package render

import (
	"context"
	"time"
)

// openHelp shows the window's help page, with "Check this network" when
// Config.CheckNetwork is set.
func (p *panel) openHelp() {
	d := &dialog{text: p.help, buttons: []string{"Close"}}
	if p.cfg.CheckNetwork != nil {
		d.text += "\n\n\"Check this network\" tells what your network allows for direct connections (as the command \"ra-p2p check\" does)."
		// ESC keeps closing the page (the second button); ENTER checks.
		d.buttons = []string{"Check this network", "Close"}
		d.onAnswer = func(button int) {
			if button == 0 {
				p.startNetworkCheck()
			}
		}
	}
	p.showDialog(d)
}

// startNetworkCheck runs CheckNetwork in the background and shows its
// report in a dialog; the history says it is running (it takes seconds).
func (p *panel) startNetworkCheck() {
	if !p.checking.CompareAndSwap(false, true) {
		return // one at a time
	}
	p.Post(Entry{Time: time.Now(), Text: "Checking what this network allows…"})
	p.bg.Go(func() {
		defer p.checking.Store(false)
		ctx, cancel := context.WithTimeout(p.bgCtx, 30*time.Second)
		defer cancel()
		report := p.cfg.CheckNetwork(ctx)
		if p.bgCtx.Err() != nil {
			return // the window is gone
		}
		p.queueDialog(&dialog{text: "What this network allows\n\n" + report, buttons: []string{"Close"}})
	})
}
