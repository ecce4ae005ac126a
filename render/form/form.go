// Package form is the model of the helper's Settings dialog: named
// presets, each choosing one option in every row, and a Custom preset
// whose rows are the person's own. It holds no widgets (render draws it)
// and knows no channel (ui/window fills it from the screen channel's
// presets and reads the choice back), so it is tested without a display.
package form

import "slices"

// Form is what the dialog shows and what the person chose in it.
type Form struct {
	Text    string   // what the dialog says above the choices
	Presets []Preset // in the order shown
	Rows    []Row
	Preset  int   // the preset chosen (index in Presets)
	Chosen  []int // the option chosen in each row (index in its Options; -1: none)
}

// Preset is one named choice of a Form.
type Preset struct {
	Label string
	// Chosen is the option the preset chooses in each row, shown when it
	// is chosen; nil: a Custom preset keeps the rows as they are, another
	// (one that picks its values as it goes) shows none chosen.
	Chosen []int
	// Custom presets are the person's own: choosing an option in a row
	// chooses the (first) Custom preset.
	Custom bool
}

// Row is one setting of a Form and its options.
type Row struct {
	Label   string   // "Colours"
	Options []string // "Full colour", "65536 colours", …
	// Own rows stand apart from the presets (the microphone beside the
	// screen's quality): a preset leaves them as they are, and choosing in
	// them leaves the preset as it is.
	Own bool
}

// Clone is f with a Chosen of its own, so a dialog can change it and
// Cancel leave f as it was.
func (f Form) Clone() Form {
	f.Chosen = slices.Clone(f.Chosen)
	return f
}

// Same says whether g chooses what f chooses.
func (f Form) Same(g Form) bool {
	return f.Preset == g.Preset && slices.Equal(f.Chosen, g.Chosen)
}

// PresetLabel is the chosen preset's label ("" when there is none).
func (f Form) PresetLabel() string {
	if f.Preset < 0 || f.Preset >= len(f.Presets) {
		return ""
	}
	return f.Presets[f.Preset].Label
}

// ChoosePreset chooses preset i and shows the options it stands for.
func (f *Form) ChoosePreset(i int) {
	if i < 0 || i >= len(f.Presets) {
		return
	}
	f.Preset = i
	p := f.Presets[i]
	for r := range f.Chosen {
		switch {
		case r < len(f.Rows) && f.Rows[r].Own:
		case r < len(p.Chosen):
			f.Chosen[r] = p.Chosen[r]
		case !p.Custom:
			f.Chosen[r] = -1
		}
	}
}

// ChooseOption chooses option i of row r, which makes the choice the
// person's own (the Custom preset); without a Custom preset the rows only
// show the presets' options and nothing changes. An Own row just takes the
// option.
func (f *Form) ChooseOption(r, i int) {
	c := slices.IndexFunc(f.Presets, func(p Preset) bool { return p.Custom })
	if r < 0 || r >= len(f.Chosen) || r >= len(f.Rows) || i < 0 || i >= len(f.Rows[r].Options) {
		return
	}
	if f.Rows[r].Own {
		f.Chosen[r] = i
		return
	}
	if c < 0 {
		return
	}
	f.Preset, f.Chosen[r] = c, i
}
