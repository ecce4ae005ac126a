//go:build !nogui

package window

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ra-p2p/ra-p2p/audio"
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
	sound := u.soundRows(&c.Settings)
	var (
		saving sync.Mutex // one write of the config file at a time…
		newest atomic.Pointer[screenshare.Quality]
	)
	keep := func(write func()) {
		u.bg.Go(func() {
			saving.Lock()
			defer saving.Unlock()
			write()
		})
	}
	c.ApplySettings = func(f form.Form) {
		sound.apply(u, f, keep)
		q := chosenQuality(f, view.Quality())
		if q.Kept() == view.Quality().Kept() {
			return // only the sound changed
		}
		view.SetQuality(q)
		said := "Screen quality: " + q.Label()
		u.w.Post(render.Entry{Text: said})
		u.cfg.Mirror.Println(said)
		if u.cfg.RememberQuality == nil {
			return
		}
		kept := q.Kept()
		newest.Store(&kept)
		keep(func() {
			if q := newest.Swap(nil); q != nil { // …and the newest choice last
				if err := u.cfg.RememberQuality(*q); err != nil {
					u.w.Post(render.Entry{Text: "The screen quality will not be kept for your next session: " + err.Error()})
				}
			}
		})
	}
}

// soundChoice is the Settings dialog's Microphone and Speaker rows: the
// devices they list, and where the rows are in the form.
type soundChoice struct {
	row               int // the Microphone row; Speaker follows it; -1: no rows
	mics, speakers    []audio.Device
	chosenM, chosenSp string
}

// soundRows adds Microphone and Speaker to f when this computer can talk:
// the system's default first, then each device by name, the one calls use
// chosen.
func (u *ui) soundRows(f *form.Form) *soundChoice {
	sc := &soundChoice{row: -1}
	v := u.cfg.Voice
	if v == nil || v.Available() != nil {
		return sc
	}
	mics, speakers, err := v.Devices()
	if err != nil {
		return sc
	}
	sc.row = len(f.Rows)
	f.Text += " Microphone and Speaker are for your next call."
	sc.chosenM, sc.chosenSp = v.ChosenDevices()
	for _, r := range []struct {
		label  string
		devs   []audio.Device
		chosen string
	}{{"Microphone", mics, sc.chosenM}, {"Speaker", speakers, sc.chosenSp}} {
		options := []string{"System default"}
		chosen := 0
		if r.chosen != "" {
			chosen = -1 // unplugged since: none shown chosen
		}
		var listed []audio.Device
		for _, d := range r.devs {
			// A sound server lists what each speaker plays as a
			// microphone too ("Monitor of …"): nobody talks through one,
			// so only the one chosen already is offered.
			if strings.HasSuffix(d.ID, ".monitor") && d.ID != r.chosen {
				continue
			}
			listed = append(listed, d)
			options = append(options, shortName(d.Name))
			if d.ID == r.chosen {
				chosen = len(options) - 1
			}
		}
		if r.label == "Microphone" {
			sc.mics = listed
		} else {
			sc.speakers = listed
		}
		f.Rows = append(f.Rows, form.Row{Label: r.label, Options: options, Own: true})
		f.Chosen = append(f.Chosen, chosen)
	}
	return sc
}

// apply takes the devices chosen in f for the next call, says so, and
// keeps them for the next session (through keep, which writes the config
// file one change at a time).
func (sc *soundChoice) apply(u *ui, f form.Form, keep func(write func())) {
	if sc.row < 0 || len(f.Chosen) < sc.row+2 {
		return
	}
	id := func(devs []audio.Device, i int, was string) (string, string) {
		switch {
		case i == 0:
			return "", "the system's default"
		case i > 0 && i <= len(devs):
			return devs[i-1].ID, devs[i-1].Name
		}
		return was, ""
	}
	mic, micName := id(sc.mics, f.Chosen[sc.row], sc.chosenM)
	spk, spkName := id(sc.speakers, f.Chosen[sc.row+1], sc.chosenSp)
	if mic == sc.chosenM && spk == sc.chosenSp {
		return
	}
	var changed []string
	if mic != sc.chosenM {
		changed = append(changed, "microphone "+micName)
	}
	if spk != sc.chosenSp {
		changed = append(changed, "speaker "+spkName)
	}
	said := "Sound for the next call: " + strings.Join(changed, ", ") + "."
	sc.chosenM, sc.chosenSp = mic, spk
	u.cfg.Voice.SetDevices(mic, spk)
	u.w.Post(render.Entry{Text: said})
	u.cfg.Mirror.Println(said)
	if u.cfg.RememberDevices != nil {
		keep(func() {
			if err := u.cfg.RememberDevices(mic, spk); err != nil {
				u.w.Post(render.Entry{Text: "The microphone and speaker will not be kept for your next session: " + err.Error()})
			}
		})
	}
}

// shortName is a device's name as an option shows it: at most 40
// characters.
func shortName(name string) string {
	if r := []rune(name); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return name
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
