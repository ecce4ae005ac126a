package render

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font/gofont/goregular"
)

// fallbackFonts are the font files whose faces draw what Go's own font
// lacks, tried in this order for each character (Debian's packages, which
// scripts/install-deps.sh installs): Noto Sans (Latin, Greek, Cyrillic…),
// Noto Sans Symbols 2 (✓ and other symbols), Droid Sans Fallback (Chinese,
// Japanese, Korean: one 4 MB face; Noto Sans CJK is a 19 MB collection of
// five faces that Ebiten would parse whole) and Symbola (emoji as outlines:
// Noto Color Emoji holds bitmaps, which Ebiten's text does not draw).
var fallbackFonts = []string{
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",         // fonts-noto-core
	"/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf", // fonts-noto-core
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",   // fonts-droid-fallback
	"/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  // fonts-symbola
}

// fontSources loads Go's own font, then each file of fallbacks that can be
// read. missing names the files that could not be (the window still
// starts: the characters only they have are drawn as empty boxes).
func fontSources(fallbacks []string) (srcs []*text.GoTextFaceSource, missing []string, err error) {
	goSrc, err := text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF))
	if err != nil {
		return nil, nil, fmt.Errorf("loading the UI font: %w", err)
	}
	srcs = append(srcs, goSrc)
	for _, path := range fallbacks {
		src, err := loadFont(path)
		if err != nil {
			missing = append(missing, path)
			continue
		}
		srcs = append(srcs, src)
	}
	return srcs, missing, nil
}

func loadFont(path string) (*text.GoTextFaceSource, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty font file")
	}
	return text.NewGoTextFaceSource(bytes.NewReader(b))
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
