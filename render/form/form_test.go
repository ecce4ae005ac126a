package form

import (
	"slices"
	"testing"
)

// settings is a Settings dialog like the helper's: three presets, Custom, and
// two rows.
func settings() Form {
	return Form{
		Presets: []Preset{
			{Label: "Best quality", Chosen: []int{0, 0}},
			{Label: "Balanced", Chosen: []int{0, 1}},
			{Label: "Fastest", Chosen: []int{2, 1}},
			{Label: "Custom", Custom: true},
		},
		Rows:   []Row{{Label: "Frame rate", Options: []string{"60 fps", "30 fps", "15 fps"}}, {Label: "Photos", Options: []string{"High", "Normal"}}},
		Preset: 1, Chosen: []int{0, 1},
	}
}

// TestSettingsChoices: a preset shows the options it stands for; an
// option chosen makes the choice Custom, keeping the other rows; Custom
// chosen keeps the rows as they are; a preset that picks its values as it
// goes shows none.
func TestSettingsChoices(t *testing.T) {
	f := settings()
	g := f.Clone()
	g.ChoosePreset(2)
	if g.Preset != 2 || !slices.Equal(g.Chosen, []int{2, 1}) || g.PresetLabel() != "Fastest" {
		t.Errorf("Fastest chosen: %d %v", g.Preset, g.Chosen)
	}
	if !slices.Equal(f.Chosen, []int{0, 1}) {
		t.Errorf("the form cloned changed with its clone: %v", f.Chosen)
	}
	g.ChooseOption(1, 0)
	if g.Preset != 3 || !slices.Equal(g.Chosen, []int{2, 0}) {
		t.Errorf("High over Fastest: preset %d, rows %v; want Custom, [2 0]", g.Preset, g.Chosen)
	}
	g.ChoosePreset(3)
	if !slices.Equal(g.Chosen, []int{2, 0}) {
		t.Errorf("Custom chosen again changed the rows: %v", g.Chosen)
	}
	if f.Same(g) || !f.Same(settings()) {
		t.Error("same does not tell a changed choice from an unchanged one")
	}
	g.Presets = append(g.Presets, Preset{Label: "Automatic"})
	g.ChoosePreset(4)
	if !slices.Equal(g.Chosen, []int{-1, -1}) || g.PresetLabel() != "Automatic" {
		t.Errorf("a preset without options shows rows %v, want none chosen", g.Chosen)
	}
	noCustom := settings()
	noCustom.Presets = noCustom.Presets[:3]
	noCustom.ChooseOption(0, 2)
	if !noCustom.Same(settings()) {
		t.Errorf("without a Custom preset an option was chosen: %+v", noCustom)
	}
}

// TestOwnRows: a row that stands apart from the presets (the microphone)
// keeps its choice when a preset is chosen, and choosing in it keeps the
// preset, Automatic (which picks its values as it goes) included.
func TestOwnRows(t *testing.T) {
	f := settings()
	f.Presets = append(f.Presets, Preset{Label: "Automatic"})
	f.Rows = append(f.Rows, Row{Label: "Microphone", Options: []string{"System default", "USB headset"}, Own: true})
	f.Chosen = append(f.Chosen, 0)
	f.ChooseOption(2, 1)
	if f.Preset != 1 || !slices.Equal(f.Chosen, []int{0, 1, 1}) {
		t.Errorf("the headset chosen: preset %d, rows %v; want Balanced kept, [0 1 1]", f.Preset, f.Chosen)
	}
	f.ChoosePreset(2)
	if !slices.Equal(f.Chosen, []int{2, 1, 1}) {
		t.Errorf("Fastest chosen: rows %v, want [2 1 1] (the microphone kept)", f.Chosen)
	}
	f.ChoosePreset(4)
	if !slices.Equal(f.Chosen, []int{-1, -1, 1}) {
		t.Errorf("Automatic chosen: rows %v, want [-1 -1 1]", f.Chosen)
	}
	f.ChooseOption(2, 0)
	if f.Preset != 4 || f.Chosen[2] != 0 {
		t.Errorf("the default chosen under Automatic: preset %d, rows %v", f.Preset, f.Chosen)
	}
}
