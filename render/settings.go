package render

import (
	"slices"

	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/render/form"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// Spacing of the Settings dialog's choices, in window pixels.
const (
	optionGap    = 6 // between options, across and down
	rowLabelGap  = 12
	optionPadY   = 4  // above and below an option's label: a compact button
	settingsSpan = 12 // between the presets and the rows under them
)

// openSettings shows the Settings dialog with the choice in force: OK
// applies what the person chose (ApplySettings, at once and without
// reconnecting), Cancel and ESC change nothing (game goroutine).
func (w *HelperWindow) openSettings() {
	if w.cfg.ApplySettings == nil || len(w.settings.Presets) == 0 {
		return
	}
	f := w.settings.Clone()
	w.showDialog(&dialog{
		text:    f.Text,
		buttons: []string{"OK", "Cancel"},
		body:    func(inner int) widget.PreferredSizeLocateableWidget { return w.settingsBody(&f, inner) },
		onAnswer: func(button int) {
			if button != 0 || f.Same(w.settings) {
				return
			}
			w.settings = f.Clone()
			w.cfg.ApplySettings(f.Clone())
		},
	})
}

// settingsBody lays f's choices out for a dialog inner pixels wide: the
// presets in a line (or two) across the whole width, then one row per
// setting, its name on the left and its options beside it, each option a
// button and the chosen ones marked. It is made again when the dialog is
// laid out again; f keeps the choice (game goroutine).
func (w *HelperWindow) settingsBody(f *form.Form, inner int) widget.PreferredSizeLocateableWidget {
	st := w.style
	var presetBtns []*widget.Button
	rowBtns := make([][]*widget.Button, len(f.Rows))
	mark := func() {
		for i, b := range presetBtns {
			st.markChosen(b, i == f.Preset)
		}
		for r, bs := range rowBtns {
			for i, b := range bs {
				st.markChosen(b, i == f.Chosen[r])
			}
		}
	}
	option := func(label string, onClick func()) *widget.Button {
		return st.newButton(label, func() { onClick(); mark() }, "",
			widget.ButtonOpts.TextPadding(&widget.Insets{Left: buttonPadX, Right: buttonPadX, Top: optionPadY, Bottom: optionPadY}))
	}
	// options puts buttons labelled labels side by side in width pixels,
	// in as many lines as they need, all as wide.
	options := func(labels []string, width int, onClick func(i int)) (*widget.Container, []*widget.Button) {
		widest := 0
		for _, l := range labels {
			lw, _ := text.Measure(l, st.plain, 0)
			widest = max(widest, int(lw)+2*buttonPadX+2)
		}
		cols := view.Columns(len(labels), widest, optionGap, width)
		c := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(cols), widget.GridLayoutOpts.Spacing(optionGap, optionGap),
			widget.GridLayoutOpts.Stretch(slices.Repeat([]bool{true}, cols), nil))))
		var bs []*widget.Button
		for i, l := range labels {
			b := option(l, func() { onClick(i) })
			bs = append(bs, b)
			c.AddChild(b)
		}
		return c, bs
	}

	body := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, settingsSpan),
		widget.GridLayoutOpts.Stretch([]bool{true}, nil))))
	labels := make([]string, len(f.Presets))
	for i, p := range f.Presets {
		labels[i] = p.Label
	}
	row, bs := options(labels, inner, f.ChoosePreset)
	presetBtns = bs
	body.AddChild(row)

	nameWidth := 0
	for _, r := range f.Rows {
		lw, _ := text.Measure(r.Label, st.plain, 0)
		nameWidth = max(nameWidth, int(lw)+1)
	}
	rows := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(rowLabelGap, optionGap),
		widget.GridLayoutOpts.Stretch([]bool{false, true}, nil))))
	for r, sr := range f.Rows {
		// The name stands level with the first line of options.
		name := widget.NewText(widget.TextOpts.Text(sr.Label, &st.plain, st.text),
			widget.TextOpts.Padding(&widget.Insets{Top: optionPadY + 1}),
			widget.TextOpts.WidgetOpts(widget.WidgetOpts.MinSize(nameWidth, 0),
				widget.WidgetOpts.LayoutData(widget.GridLayoutData{VerticalPosition: widget.GridLayoutPositionStart})))
		c, bs := options(sr.Options, inner-nameWidth-rowLabelGap, func(i int) { f.ChooseOption(r, i) })
		rowBtns[r] = bs
		rows.AddChild(name, c)
	}
	body.AddChild(rows)
	mark()
	return body
}

// markChosen shows b as the option chosen, or as one that is not.
func (s *style) markChosen(b *widget.Button, chosen bool) {
	if chosen {
		b.SetImage(s.chosen)
	} else {
		b.SetImage(s.button)
	}
}
