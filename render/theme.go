package render

import (
	"image/color"
	"log/slog"
	"strings"

	euiimage "github.com/ebitenui/ebitenui/image"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// style holds the faces and colours of our windows (one light theme).
type style struct {
	// face and small draw any text (Go's font, then the fallbacks), for
	// what people write: chat, names, status and dialogs. plain and
	// plainSmall are Go's font alone, for the window's own labels (buttons,
	// tooltips, titles): the fallbacks' taller lines would make every
	// button taller and move them.
	face, small       text.Face
	plain, plainSmall text.Face
	fonts             *fontSet  // face and small's sources: more are parsed when text needs them (need)
	title             text.Face // a window's heading (the home window)
	text              color.Color
	link              color.Color // a message under the pointer in the history (it can be clicked)
	dim               color.Color
	panel             *euiimage.NineSlice
	pane              color.Color
	button            *widget.ButtonImage
	chosen            *widget.ButtonImage // an option chosen (the Settings dialog)
	buttonText        *widget.ButtonTextColor
	scrollThumb       *widget.ButtonImage
	input             *widget.TextInputImage
	inputColor        *widget.TextInputColor
	tooltip           *euiimage.NineSlice
	dialog            *euiimage.NineSlice
}

// newStyle makes the theme, its faces from Go's own font and the fallbacks
// (font files) for the characters Go's font lacks.
func newStyle(fallbacks []fallbackFont) (*style, error) {
	fonts, missing, err := loadFonts(fallbacks)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		slog.Warn("Some characters (symbols, emoji, Chinese, Japanese, Korean) will show as empty boxes: font files are missing. "+
			"Install the Debian packages fonts-noto-core, fonts-droid-fallback and fonts-symbola (scripts/install-deps.sh does).",
			"missing", strings.Join(missing, ", "))
	}
	srcs := fonts.sources()
	face, small := newFace(srcs, 16), newFace(srcs, 14)
	plain, plainSmall := newFace(srcs[:1], 16), newFace(srcs[:1], 14)
	border := color.NRGBA{0xb8, 0xbc, 0xc4, 0xff}
	return &style{
		face: face, small: small, plain: plain, plainSmall: plainSmall, title: newFace(srcs[:1], 24), fonts: fonts,
		text:  color.NRGBA{0x1b, 0x1f, 0x24, 0xff},
		link:  color.NRGBA{0x25, 0x63, 0xeb, 0xff},
		dim:   color.NRGBA{0x8a, 0x8f, 0x98, 0xff},
		panel: euiimage.NewNineSliceColor(color.NRGBA{0xf3, 0xf4, 0xf6, 0xff}),
		pane:  color.NRGBA{0x2b, 0x2f, 0x36, 0xff},
		button: &widget.ButtonImage{
			Idle:     euiimage.NewBorderedNineSliceColor(color.NRGBA{0xff, 0xff, 0xff, 0xff}, border, 1),
			Hover:    euiimage.NewBorderedNineSliceColor(color.NRGBA{0xe8, 0xf0, 0xfe, 0xff}, color.NRGBA{0x5b, 0x8d, 0xef, 0xff}, 1),
			Pressed:  euiimage.NewBorderedNineSliceColor(color.NRGBA{0xcf, 0xde, 0xfb, 0xff}, color.NRGBA{0x5b, 0x8d, 0xef, 0xff}, 1),
			Disabled: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xea, 0xeb, 0xee, 0xff}, color.NRGBA{0xd6, 0xd8, 0xdc, 0xff}, 1),
		},
		// A chosen option: filled blue with a darker edge than a hovered
		// button's, so it stands out under the pointer too.
		chosen: &widget.ButtonImage{
			Idle:     euiimage.NewBorderedNineSliceColor(color.NRGBA{0xd4, 0xe2, 0xfc, 0xff}, color.NRGBA{0x25, 0x63, 0xeb, 0xff}, 1),
			Hover:    euiimage.NewBorderedNineSliceColor(color.NRGBA{0xc2, 0xd5, 0xfa, 0xff}, color.NRGBA{0x25, 0x63, 0xeb, 0xff}, 1),
			Pressed:  euiimage.NewBorderedNineSliceColor(color.NRGBA{0xc2, 0xd5, 0xfa, 0xff}, color.NRGBA{0x25, 0x63, 0xeb, 0xff}, 1),
			Disabled: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xea, 0xeb, 0xee, 0xff}, color.NRGBA{0xa0, 0xa4, 0xab, 0xff}, 1),
		},
		buttonText: &widget.ButtonTextColor{
			Idle: color.NRGBA{0x1b, 0x1f, 0x24, 0xff}, Hover: color.NRGBA{0x1b, 0x1f, 0x24, 0xff},
			Pressed: color.NRGBA{0x1b, 0x1f, 0x24, 0xff}, Disabled: color.NRGBA{0xa0, 0xa4, 0xab, 0xff},
		},
		// The scrollbar's thumb: grey on the light track, so it shows
		// (the white button image vanished on the white history).
		scrollThumb: &widget.ButtonImage{
			Idle:     euiimage.NewNineSliceColor(color.NRGBA{0xa0, 0xa4, 0xab, 0xff}),
			Hover:    euiimage.NewNineSliceColor(color.NRGBA{0x7d, 0x82, 0x8b, 0xff}),
			Pressed:  euiimage.NewNineSliceColor(color.NRGBA{0x5b, 0x60, 0x69, 0xff}),
			Disabled: euiimage.NewNineSliceColor(color.NRGBA{0xd6, 0xd8, 0xdc, 0xff}),
		},
		input: &widget.TextInputImage{
			Idle:     euiimage.NewBorderedNineSliceColor(color.NRGBA{0xff, 0xff, 0xff, 0xff}, border, 1),
			Disabled: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xea, 0xeb, 0xee, 0xff}, border, 1),
		},
		inputColor: &widget.TextInputColor{
			Idle: color.NRGBA{0x1b, 0x1f, 0x24, 0xff}, Disabled: color.NRGBA{0xa0, 0xa4, 0xab, 0xff},
			Caret: color.NRGBA{0x1b, 0x1f, 0x24, 0xff}, DisabledCaret: color.NRGBA{0xa0, 0xa4, 0xab, 0xff},
		},
		tooltip: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xff, 0xfb, 0xe6, 0xff}, color.NRGBA{0xc9, 0xb9, 0x6e, 0xff}, 1),
		dialog:  euiimage.NewBorderedNineSliceColor(color.NRGBA{0xff, 0xff, 0xff, 0xff}, color.NRGBA{0x5b, 0x8d, 0xef, 0xff}, 2),
	}, nil
}

// need makes face and small draw every character of texts that a font on
// demand has (game goroutine). Widgets hold the faces by pointer
// (&s.face), so they draw with the new ones, and the line metrics stay
// (fallbackFont.onDemand): it reports whether the faces changed, so that
// the caller draws again.
func (s *style) need(texts ...string) bool {
	if !s.fonts.need(texts...) {
		return false
	}
	srcs := s.fonts.sources()
	s.face, s.small = newFace(srcs, 16), newFace(srcs, 14)
	return true
}

// buttonPadX is the space left and right of a button's label.
const buttonPadX = 8

// newButton makes a button; a non-empty disabledReason shows it disabled
// with that reason as its tooltip (features not built yet are never faked).
// Options in extra come after the theme's and override them.
func (s *style) newButton(label string, onClick func(), disabledReason string, extra ...widget.ButtonOpt) *widget.Button {
	opts := []widget.ButtonOpt{
		widget.ButtonOpts.Image(s.button),
		widget.ButtonOpts.Text(label, &s.plain, s.buttonText),
		widget.ButtonOpts.TextPadding(&widget.Insets{Left: buttonPadX, Right: buttonPadX, Top: 6, Bottom: 6}),
		widget.ButtonOpts.ClickedHandler(func(*widget.ButtonClickedEventArgs) {
			if onClick != nil {
				onClick()
			}
		}),
		widget.ButtonOpts.WidgetOpts(widget.WidgetOpts.LayoutData(widget.GridLayoutData{})),
	}
	if disabledReason != "" {
		opts = append(opts, widget.ButtonOpts.WidgetOpts(widget.WidgetOpts.ToolTip(
			widget.NewTextToolTip(disabledReason, &s.plainSmall, s.text, s.tooltip))))
	}
	b := widget.NewButton(append(opts, extra...)...)
	b.GetWidget().Disabled = disabledReason != ""
	return b
}

// newBigButton is newButton for one of a window's main choices: a taller
// target, easy to hit.
func (s *style) newBigButton(label string, onClick func()) *widget.Button {
	return s.newButton(label, onClick, "", widget.ButtonOpts.TextPadding(&widget.Insets{Left: buttonPadX, Right: buttonPadX, Top: 16, Bottom: 16}))
}

// newLabel makes a label drawn with *face: a face of the style (&s.face),
// so that it draws with the faces need makes.
func (s *style) newLabel(label string, face *text.Face, c color.Color) *widget.Text {
	return widget.NewText(widget.TextOpts.Text(label, face, c))
}

// wrap breaks s into lines no wider than width in face (view.Wrap).
func wrap(s string, face text.Face, width float64) string {
	var b strings.Builder
	for i, r := range view.Wrap(s, width, advanceIn(face)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s[r.Start:r.End])
	}
	return b.String()
}

// advanceIn measures text in face for view.Wrap and view.Ellipsize, word
// by word (view.ByWords: measured whole, their prefixes filled Ebiten's
// shaping cache).
func advanceIn(face text.Face) func(string) float64 {
	return view.ByWords(func(s string) float64 { return text.Advance(s, face) })
}

// newTextArea makes a text that wraps and scrolls vertically, at least w×h
// pixels (a grid stretches it further), its lines kept clear of the
// scrollbar.
func (s *style) newTextArea(face *text.Face, w, h int, opts ...widget.TextAreaOpt) *widget.TextArea {
	return widget.NewTextArea(append([]widget.TextAreaOpt{
		widget.TextAreaOpts.ContainerOpts(widget.ContainerOpts.WidgetOpts(widget.WidgetOpts.MinSize(w, h))),
		widget.TextAreaOpts.FontFace(face),
		widget.TextAreaOpts.FontColor(s.text),
		widget.TextAreaOpts.ShowVerticalScrollbar(),
		widget.TextAreaOpts.TextPadding(widget.Insets{Left: 6, Right: historyPadX - 6, Top: 4, Bottom: 4}),
		widget.TextAreaOpts.ScrollContainerImage(&widget.ScrollContainerImage{Idle: s.input.Idle, Disabled: s.input.Disabled, Mask: s.input.Idle}),
		widget.TextAreaOpts.SliderParams(&widget.SliderParams{
			TrackImage:    &widget.SliderTrackImage{Idle: s.panel, Hover: s.panel},
			HandleImage:   s.scrollThumb,
			MinHandleSize: ptr(scrollbarWidth),
		}),
	}, opts...)...)
}

// scrollbarWidth is the width of a text's scrollbar; historyPadX is the
// space left and right of a scrolling text's lines, the scrollbar's
// included.
const (
	scrollbarWidth = 12
	historyPadX    = 6 + 6 + scrollbarWidth
)

func ptr[T any](v T) *T { return &v }
