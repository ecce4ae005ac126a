package screenshare_test

import (
	"slices"
	"testing"

	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// TestPresetsAskTheSender: each preset asks the screen sender for what its
// name promises, the zero Quality (and a preset this version does not
// know, from a newer one's config file) for Automatic: the sender's own
// defaults, adapted to the link.
func TestPresetsAskTheSender(t *testing.T) {
	defaults := screen.Settings{Quality: 80, MaxFPS: 60, Scale: 100, Colours: screen.ColoursFull}
	automatic := defaults
	automatic.Auto = true
	for name, tc := range map[string]struct {
		q    screenshare.Quality
		want screen.Settings
	}{
		"nothing chosen is Automatic":  {screenshare.Quality{}, automatic},
		"Automatic":                    {screenshare.Quality{Preset: screenshare.PresetAutomatic}, automatic},
		"Balanced":                     {screenshare.Quality{Preset: screenshare.PresetBalanced}, defaults},
		"a newer version's preset":     {screenshare.Quality{Preset: "cinema"}, automatic},
		"Custom is never automatic":    {screenshare.Quality{Preset: screenshare.PresetCustom, Auto: true}, defaults},
		"Best quality is lossless":     {screenshare.Quality{Preset: screenshare.PresetBest}, screen.Settings{Lossless: true, MaxFPS: 60, Scale: 100}},
		"Fastest":                      {screenshare.Quality{Preset: screenshare.PresetFastest}, screen.Settings{Quality: 40, MaxFPS: 15, Scale: 75, Colours: screen.Colours65536}},
		"a preset ignores values kept": {screenshare.Quality{Preset: screenshare.PresetFastest, MaxFPS: 5, Colours: screen.ColoursGrey}, screen.Settings{Quality: 40, MaxFPS: 15, Scale: 75, Colours: screen.Colours65536}},
		"Custom takes its values": {screenshare.Quality{Preset: screenshare.PresetCustom, MaxFPS: 5, Colours: screen.ColoursGrey, Scale: 50, JPEG: 40},
			screen.Settings{Quality: 40, MaxFPS: 5, Scale: 50, Colours: screen.ColoursGrey}},
		"Custom's zeros are the defaults": {screenshare.Quality{Preset: screenshare.PresetCustom}, defaults},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.q.Settings(); got != tc.want {
				t.Errorf("%+v asks for %+v, want %+v", tc.q, got, tc.want)
			}
		})
	}
}

// TestPresetList: names are unique, the default and a Custom preset are
// among them, and every other preset is one of Custom's combinations, so
// the dialog can show each preset's values in Custom's rows.
func TestPresetList(t *testing.T) {
	ps := screenshare.Presets()
	var names []string
	custom := 0
	for _, p := range ps {
		if slices.Contains(names, p.Name) || p.Name == "" || p.Label == "" {
			t.Errorf("preset %+v: a name and a label, each once", p)
		}
		names = append(names, p.Name)
		if p.Custom {
			custom++
			continue
		}
		for _, c := range screenshare.Choices() {
			if c.Chosen(screenshare.Quality{Preset: p.Name}) < 0 {
				t.Errorf("%s: its %s is none of Custom's options %q", p.Label, c.Name, c.Options)
			}
		}
	}
	if !slices.Contains(names, screenshare.DefaultPreset) || custom != 1 {
		t.Errorf("presets %q: want the default %q among them and one Custom", names, screenshare.DefaultPreset)
	}
	if got := (screenshare.Quality{}).Values().Preset; got != screenshare.DefaultPreset {
		t.Errorf("the zero Quality is preset %q, want %q", got, screenshare.DefaultPreset)
	}
}

// TestChoosingAnOption: an option chosen over Fastest makes a Custom
// Quality with Fastest's other values, said so in the history; what the
// config file keeps of it brings it back, and of a named preset only the
// name is kept.
func TestChoosingAnOption(t *testing.T) {
	colours := choice(t, "Colours")
	q, err := colours.Choose(screenshare.Quality{Preset: screenshare.PresetFastest}, slices.Index(colours.Options, "Greyscale"))
	if err != nil {
		t.Fatal(err)
	}
	want := screenshare.Quality{Preset: screenshare.PresetCustom, MaxFPS: 15, Colours: screen.ColoursGrey, Scale: 75, JPEG: 40}
	if q != want {
		t.Errorf("Greyscale over Fastest = %+v, want %+v", q, want)
	}
	if got, want := q.Label(), "Custom: 15 fps, Greyscale, 75%, photos Low"; got != want {
		t.Errorf("Label = %q, want %q", got, want)
	}
	if got := q.Kept(); got != q || got.Settings() != q.Settings() {
		t.Errorf("Custom kept as %+v, want %+v", got, q)
	}
	fastest := screenshare.Quality{Preset: screenshare.PresetFastest, MaxFPS: 5}
	if got := fastest.Kept(); got != (screenshare.Quality{Preset: screenshare.PresetFastest}) || got.Label() != "Fastest" {
		t.Errorf("Fastest kept as %+v (%q): want its name alone", got, got.Label())
	}
	photos := choice(t, "Photos")
	high, _ := photos.Choose(q, 0)
	if s := high.Settings(); !s.Lossless || photos.Chosen(high) != 0 || high.Label() != "Custom: 15 fps, Greyscale, 75%, photos High" {
		t.Errorf("photos High = %+v, %+v, %q: want lossless", high, s, high.Label())
	}
	if _, err := photos.Choose(q, len(photos.Options)); err == nil {
		t.Error("an option past the last was chosen")
	}
	odd := screenshare.Quality{Preset: screenshare.PresetCustom, MaxFPS: 24}
	if i := choice(t, "Frame rate").Chosen(odd); i != -1 {
		t.Errorf("24 fps (a file written by hand) is option %d, want none (-1)", i)
	}
}

func choice(t *testing.T, name string) screenshare.Choice {
	t.Helper()
	for _, c := range screenshare.Choices() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no choice %q", name)
	return screenshare.Choice{}
}
