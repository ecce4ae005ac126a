//go:build !nogui

package window

import (
	"sync"
	"sync/atomic"

	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/render/form"
)

// setSettings wires the helper window's Settings button to the screen
// channel: the dialog shows view's presets and options with the choice in
// force, and OK applies the new choice at once (view.SetQuality), says it
// in the history and on the terminal, and keeps it for the next session
// (Config.RememberQuality) off the game goroutine.
func (u *ui) setSettings(c *render.HelperConfig, view *screenshare.View, peer string) {
	view.SetQuality(u.cfg.Quality)
	c.Settings = settingsForm(peer, u.cfg.Quality)
	var (
		saving sync.Mutex // one RememberQuality at a time…
		newest atomic.Pointer[screenshare.Quality]
	)
	c.ApplySettings = func(f form.Form) {
		q := chosenQuality(f, view.Quality())
		view.SetQuality(q)
		said := "Screen quality: " + q.Label()
		u.w.Post(render.Entry{Text: said})
		u.cfg.Mirror.Println(said)
		if u.cfg.RememberQuality == nil {
			return
		}
		kept := q.Kept()
		newest.Store(&kept)
		u.bg.Go(func() {
			saving.Lock()
			defer saving.Unlock()
			if q := newest.Swap(nil); q != nil { // …and the newest choice last
				if err := u.cfg.RememberQuality(*q); err != nil {
					u.w.Post(render.Entry{Text: "The screen quality will not be kept for your next session: " + err.Error()})
				}
			}
		})
	}
}

// settingsForm is the Settings dialog for a helper seeing peer's screen
// at quality q: the screen channel's presets, each with the options it
// stands for, and Custom's rows.
func settingsForm(peer string, q screenshare.Quality) form.Form {
	f := form.Form{Text: "How " + peer + "'s screen comes to you. Automatic follows the connection: quick on a slow one, " +
		"full quality on a fast one. Best quality shows every pixel exactly."}
	choices := screenshare.Choices()
	inForce := q.Values().Preset
	for i, p := range screenshare.Presets() {
		sp := form.Preset{Label: p.Label, Custom: p.Custom}
		if !p.Custom {
			for _, c := range choices {
				sp.Chosen = append(sp.Chosen, c.Chosen(screenshare.Quality{Preset: p.Name}))
			}
		}
		if p.Name == inForce {
			f.Preset = i
		}
		f.Presets = append(f.Presets, sp)
	}
	for _, c := range choices {
		f.Rows = append(f.Rows, form.Row{Label: c.Name, Options: c.Options})
		f.Chosen = append(f.Chosen, c.Chosen(q))
	}
	return f
}

// chosenQuality is the quality f holds; a row with no option chosen keeps
// the value of q, the quality in force.
func chosenQuality(f form.Form, q screenshare.Quality) screenshare.Quality {
	presets := screenshare.Presets()
	if f.Preset < 0 || f.Preset >= len(presets) {
		return q
	}
	p := presets[f.Preset]
	if !p.Custom {
		return screenshare.Quality{Preset: p.Name}
	}
	q = q.Values()
	q.Preset = p.Name
	for r, c := range screenshare.Choices() {
		if r < len(f.Chosen) && f.Chosen[r] >= 0 {
			if chosen, err := c.Choose(q, f.Chosen[r]); err == nil {
				q = chosen
			}
		}
	}
	return q
}
