package screenshare

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// Quality is the helper's choice of how the novice's screen is sent (the
// Settings dialog): one of Presets by name, or Custom with values of the
// person's own. The pane's size is not part of it: the window sets that
// (View.SetPaneSize) and View merges the two. The zero value is
// DefaultPreset. cmd/ra-p2p keeps it in the config file.
type Quality struct {
	// Preset names one of Presets. "" and a name this version does not
	// know (written by a newer one) mean DefaultPreset.
	Preset string
	// The values, used only by a Custom preset (a named preset has its
	// own); see screen.Settings for each.
	MaxFPS   int    // updates a second at most; 0 = 60
	Colours  string // screen.ColoursFull, Colours65536, Colours256 or ColoursGrey
	Scale    int    // the picture's size in percent of the screen's; 0 = 100
	JPEG     int    // JPEG quality of photo-like regions, 1..100; 0 = 80
	Lossless bool   // every pixel exact, photos too (JPEG unused)
	// Auto lets the sender adapt to the link within these values
	// (screen.Settings.Auto); only the Automatic preset sets it.
	Auto bool
}

// Preset is a named Quality the Settings dialog offers.
type Preset struct {
	Name  string // as the config file keeps it: "fastest"
	Label string // as the window and the history say it: "Fastest"
	// Quality is what the preset asks of the sender (unused by Custom).
	Quality Quality
	// Custom presets take their values from the Quality chosen, so
	// choosing any option in the dialog chooses this preset.
	Custom bool
}

// The presets' names, as the config file keeps them.
const (
	PresetAutomatic = "automatic"
	PresetBest      = "best"
	PresetBalanced  = "balanced"
	PresetFastest   = "fastest"
	PresetCustom    = "custom"
)

// DefaultPreset is the zero Quality's preset: Automatic, which keeps the
// session responsive on any link and gives full quality on a fast one.
const DefaultPreset = PresetAutomatic

// presets are the choices in the order the dialog shows them. Adding a
// preset (one that adapts to the link, say) is adding an entry here; to
// make it the default, point DefaultPreset at it.
//
// Fastest keeps 65536 colours rather than 256: 3-3-2 bits have no light
// greys (#f0f0f0 becomes a blue #e7e7ff), so every window background and
// antialiased letter turns tinted, for ~25% of a text screen's bytes; the
// smaller picture, JPEG 40 and 15 updates a second save more and keep
// the screen looking like itself.
var presets = []Preset{
	{Name: PresetAutomatic, Label: "Automatic", Quality: Quality{MaxFPS: 60, Scale: 100, JPEG: 80, Auto: true}},
	{Name: PresetBest, Label: "Best quality", Quality: Quality{MaxFPS: 60, Scale: 100, Lossless: true}},
	{Name: PresetBalanced, Label: "Balanced", Quality: Quality{MaxFPS: 60, Scale: 100, JPEG: 80}},
	{Name: PresetFastest, Label: "Fastest", Quality: Quality{MaxFPS: 15, Colours: screen.Colours65536, Scale: 75, JPEG: 40}},
	{Name: PresetCustom, Label: "Custom", Custom: true},
}

// Presets are the named choices, in the dialog's order (a copy).
func Presets() []Preset { return slices.Clone(presets) }

// preset is q's preset: the one it names, else the default.
func (q Quality) preset() Preset {
	i := slices.IndexFunc(presets, func(p Preset) bool { return p.Name == q.Preset })
	if i < 0 {
		i = slices.IndexFunc(presets, func(p Preset) bool { return p.Name == DefaultPreset })
	}
	return presets[i]
}

// Values is q with its preset resolved: the preset's name (the default's
// for "" or an unknown one) and the values it stands for, zeros replaced
// by what they mean.
func (q Quality) Values() Quality {
	p := q.preset()
	v := p.Quality
	if p.Custom {
		v = q
		v.Auto = false // the person's own values, as they are
	}
	v.Preset = p.Name
	if v.MaxFPS <= 0 {
		v.MaxFPS = 60
	}
	if v.Scale <= 0 || v.Scale > 100 {
		v.Scale = 100
	}
	if v.JPEG <= 0 {
		v.JPEG = 80
	}
	if v.Lossless {
		v.JPEG = 0 // not used: keeps two equal choices equal
	}
	return v
}

// Kept is q as the config file keeps it: a named preset's name alone (its
// values follow this program's), a Custom one with its values.
func (q Quality) Kept() Quality {
	v := q.Values()
	if !q.preset().Custom {
		return Quality{Preset: v.Preset}
	}
	return v
}

// Settings is what q asks of the screen sender; the window's pane size
// is added by View.
func (q Quality) Settings() screen.Settings {
	v := q.Values()
	return screen.Settings{Quality: v.JPEG, Lossless: v.Lossless, MaxFPS: v.MaxFPS, Scale: v.Scale, Colours: v.Colours, Auto: v.Auto}
}

// Label says q for the history: "Fastest", or "Custom: 15 fps, Greyscale,
// 75%, photos Low".
func (q Quality) Label() string {
	p := q.preset()
	if !p.Custom {
		return p.Label
	}
	var parts []string
	for _, c := range choices {
		if i := c.Chosen(q); i >= 0 {
			parts = append(parts, c.spoken(i))
		}
	}
	return p.Label + ": " + strings.Join(parts, ", ")
}

// Choice is one value a Custom preset lets the person choose, with its
// options as the window shows them (the classic tool's words).
type Choice struct {
	Name    string   // "Colours"
	Options []string // "Full colour", "65536 colours", …
	// say words option i in a sentence ("photos Low"); nil: its label.
	say func(i int) string
	get func(Quality) int // the option a resolved Quality has; -1: none
	set func(*Quality, int)
}

// The options Custom offers. Frame rates, sizes and photo qualities are
// the values the presets use plus their neighbours; photos "High" is
// lossless, which makes every preset one of Custom's combinations.
var (
	frameRates = []int{60, 30, 15, 5}
	colours    = []string{screen.ColoursFull, screen.Colours65536, screen.Colours256, screen.ColoursGrey}
	scales     = []int{100, 75, 50}
	photoJPEG  = []int{0, 80, 40} // High (lossless), Normal, Low
	photos     = []string{"High", "Normal", "Low"}
)

var choices = []Choice{
	{
		Name: "Frame rate", Options: []string{"60 fps", "30 fps", "15 fps", "5 fps"},
		get: func(q Quality) int { return slices.Index(frameRates, q.MaxFPS) },
		set: func(q *Quality, i int) { q.MaxFPS = frameRates[i] },
	},
	{
		Name: "Colours", Options: []string{"Full colour", "65536 colours", "256 colours", "Greyscale"},
		get: func(q Quality) int { return slices.Index(colours, q.Colours) },
		set: func(q *Quality, i int) { q.Colours = colours[i] },
	},
	{
		Name: "Size", Options: []string{"100%", "75%", "50%"},
		get: func(q Quality) int { return slices.Index(scales, q.Scale) },
		set: func(q *Quality, i int) { q.Scale = scales[i] },
	},
	{
		Name: "Photos", Options: photos,
		say: func(i int) string { return "photos " + photos[i] },
		get: func(q Quality) int {
			if q.Lossless {
				return 0
			}
			if i := slices.Index(photoJPEG[1:], q.JPEG); i >= 0 {
				return i + 1
			}
			return -1
		},
		set: func(q *Quality, i int) { q.Lossless, q.JPEG = i == 0, photoJPEG[i] },
	},
}

// Choices are Custom's values, in the dialog's order (a copy).
func Choices() []Choice { return slices.Clone(choices) }

// Chosen is the option q (resolved: a preset's values) has; -1 when its
// value is none of the options (a config file written by hand).
func (c Choice) Chosen(q Quality) int { return c.get(q.Values()) }

// Choose is q as a Custom preset with option i chosen and its other values
// as they were (a named preset's).
func (c Choice) Choose(q Quality, i int) (Quality, error) {
	if i < 0 || i >= len(c.Options) {
		return q, fmt.Errorf("screenshare: %s has %d options, not %d", c.Name, len(c.Options), i+1)
	}
	v := q.Values()
	c.set(&v, i)
	v.Preset, v.Auto = customPreset(), false
	return v, nil
}

// spoken words option i for the history.
func (c Choice) spoken(i int) string {
	if c.say != nil {
		return c.say(i)
	}
	return c.Options[i]
}

// customPreset is the name of the (first) Custom preset.
func customPreset() string {
	for _, p := range presets {
		if p.Custom {
			return p.Name
		}
	}
	return PresetCustom
}
