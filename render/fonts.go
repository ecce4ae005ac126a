package render

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// fallbackFont is a font file whose faces draw what Go's own font lacks.
type fallbackFont struct {
	path string
	// onDemand: parsed only when text to show has a character that only
	// it draws. Ebiten parses a face's whole glyph table (Droid Sans
	// Fallback 12.9 MB of heap, Symbola 5.9), which most sessions never
	// need; their line metrics lie within Noto Sans's and Noto Sans
	// Symbols 2's, so loading one later moves no line.
	onDemand bool
}

// fallbackFonts are tried in this order for each character (Debian's
// packages, which scripts/install-deps.sh installs): Noto Sans (Latin,
// Greek, Cyrillic…), Noto Sans Symbols 2 (✓ and other symbols), Droid Sans
// Fallback (Chinese, Japanese, Korean: one 4 MB face; Noto Sans CJK is a
// 19 MB collection of five faces that Ebiten would parse whole) and
// Symbola (emoji as outlines: Noto Color Emoji holds bitmaps, which
// Ebiten's text does not draw).
var fallbackFonts = []fallbackFont{
	{path: "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"},                        // fonts-noto-core
	{path: "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf"},                // fonts-noto-core
	{path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", onDemand: true},  // fonts-droid-fallback
	{path: "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", onDemand: true}, // fonts-symbola
}

// fontSet is Go's own font and the fallbacks, in that order: the ones
// parsed for drawing, and for each the character map (read from the file
// as needed, without its glyphs) that says which characters it has. Game
// goroutine only.
type fontSet struct {
	fonts []*setFont
}

type setFont struct {
	path  string
	cmap  *sfnt.Font // its characters; its file stays open for this
	src   *text.GoTextFaceSource
	later bool // onDemand and not parsed yet
}

// loadFonts parses Go's own font and the fallbacks not on demand, and
// reads the character maps of those on demand. missing names the files
// that could not be read (the window still starts: the characters only
// they have are drawn as empty boxes).
func loadFonts(fallbacks []fallbackFont) (set *fontSet, missing []string, err error) {
	goSrc, err := text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF))
	if err != nil {
		return nil, nil, fmt.Errorf("loading the UI font: %w", err)
	}
	goMap, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the UI font: %w", err)
	}
	set = &fontSet{fonts: []*setFont{{path: "Go", cmap: goMap, src: goSrc}}}
	for _, fb := range fallbacks {
		f, err := openFont(fb)
		if err != nil {
			missing = append(missing, fb.path)
			continue
		}
		set.fonts = append(set.fonts, f)
	}
	return set, missing, nil
}

func openFont(fb fallbackFont) (*setFont, error) {
	file, err := os.Open(fb.path)
	if err != nil {
		return nil, err
	}
	cmap, err := sfnt.ParseReaderAt(file) // reads the tables it needs, when it needs them
	if err != nil {
		file.Close()
		return nil, err
	}
	f := &setFont{path: fb.path, cmap: cmap, later: fb.onDemand}
	if !fb.onDemand {
		if f.src, err = parseFace(fb.path); err != nil {
			file.Close()
			return nil, err
		}
	}
	return f, nil
}

func parseFace(path string) (*text.GoTextFaceSource, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty font file")
	}
	return text.NewGoTextFaceSource(bytes.NewReader(b))
}

// sources are the parsed fonts, in order.
func (s *fontSet) sources() []*text.GoTextFaceSource {
	var srcs []*text.GoTextFaceSource
	for _, f := range s.fonts {
		if f.src != nil {
			srcs = append(srcs, f.src)
		}
	}
	return srcs
}

// need parses the fonts on demand that texts need: for a character none
// of the parsed fonts has, the first that has it. It reports whether it
// parsed one (the faces must then be made again).
func (s *fontSet) need(texts ...string) bool {
	var buf sfnt.Buffer
	has := func(f *setFont, r rune) bool {
		i, err := f.cmap.GlyphIndex(&buf, r)
		return err == nil && i != 0
	}
	parsed := false
	for _, t := range texts {
		for _, r := range t {
			if r < 0x80 {
				continue // ASCII: Go's font
			}
			for _, f := range s.fonts {
				if !has(f, r) {
					continue
				}
				if f.later {
					f.later = false
					src, err := parseFace(f.path)
					if err != nil {
						continue // drawn as a box, as without the file
					}
					f.src, parsed = src, true
				}
				if f.src != nil {
					break
				}
			}
		}
	}
	return parsed
}

// newFace is a face of size pixels that takes each character from the
// first of srcs that has it.
func newFace(srcs []*text.GoTextFaceSource, size float64) text.Face {
	if len(srcs) == 1 {
		return &text.GoTextFace{Source: srcs[0], Size: size}
	}
	faces := make([]text.Face, len(srcs))
	for i, s := range srcs {
		faces[i] = &text.GoTextFace{Source: s, Size: size}
	}
	f, err := text.NewMultiFace(faces...)
	if err != nil { // only for faces of different directions: all are left to right
		return faces[0]
	}
	return f
}
