package screen

import (
	"image"
	"testing"
	"testing/synctest"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// scrolled is m moved up by dy rows, with the rows that come in at the
// bottom taken from the top of fill (new text).
func scrolled(m, fill *image.RGBA, dy int) *image.RGBA {
	out := image.NewRGBA(m.Rect)
	h := m.Rect.Dy()
	copy(out.Pix, m.Pix[dy*m.Stride:])
	copy(out.Pix[(h-dy)*out.Stride:], fill.Pix[:dy*fill.Stride])
	return out
}

// TestScreenScrollIsACopy: an xterm scrolling by 37 rows reaches the viewer
// pixel-exact, as one copy plus the newly exposed rows, for a fraction of
// the bytes the moved tiles would cost; a viewer that does not apply
// copies (an older one) gets tiles.
func TestScreenScrollIsACopy(t *testing.T) {
	for _, viewerCopies := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			var older func(*Receiver)
			if !viewerCopies {
				// An older viewer: settings without "copy", from the
				// first (changed after the receiver had sent its first
				// settings, the sender could still have taken "copy";
				// seen under Wine).
				older = func(r *Receiver) { r.settings.Copy = false }
			}
			p := newScreenPairPrepared(t, Settings{Lossless: true}, nil, older)
			defer p.stop()
			m := screenshot(t, "xterm-1280x800.png")
			if err := p.s.Offer(toBGRX(m)); err != nil {
				t.Fatal(err)
			}
			v := waitView(t, p.r, func(v desktop.View) bool { return v.Image.Rect == m.Rect })
			before := p.s.Stats()
			next := scrolled(m, screenshot(t, "text-1920x1080.png"), 37)
			if err := p.s.Offer(toBGRX(next, next.Rect)); err != nil {
				t.Fatal(err)
			}
			v = waitView(t, p.r, newer(v.Version))
			if got := psnr(v.Image, next, next.Rect); got != 99 {
				t.Fatalf("after the scroll: PSNR %.1f dB, want identical", got)
			}
			st := p.s.Stats()
			bytes := st.Bytes - before.Bytes
			t.Logf("viewer applies copies: %v; scroll update: %d bytes, %d copies, %d lossless tiles",
				viewerCopies, bytes, st.Copies-before.Copies, st.TilesLossless-before.TilesLossless)
			if viewerCopies && (st.Copies-before.Copies != 1 || bytes > 60_000) {
				t.Errorf("a 37-row scroll cost %d bytes and %d copies; want one copy and the new rows only", bytes, st.Copies-before.Copies)
			}
			if !viewerCopies && st.Copies != 0 {
				t.Errorf("%d copies sent to a viewer that did not ask for them", st.Copies)
			}
		})
	}
}

// TestDetectScroll finds the shift in both directions and not where there
// is none.
func TestDetectScroll(t *testing.T) {
	m := screenshot(t, "xterm-1280x800.png")
	fill := screenshot(t, "text-1920x1080.png")
	toPix := func(img *image.RGBA) []byte { return toBGRX(img).Pix }
	stride := 4*m.Rect.Dx() + 64
	old := toPix(m)
	area := image.Rect(0, 0, 1280, 768)
	hashes := func() ([]uint64, []uint64) { return make([]uint64, 800), make([]uint64, 800) }
	a, b := hashes()
	up := toPix(scrolled(m, fill, 37))
	c, ok := detectScroll(old, up, stride, area, a, b)
	if !ok || c.dy != -37 || c.rect.Dy() < 600 {
		t.Errorf("scroll up by 37: got %+v, %v", c, ok)
	}
	// Down: the old image is the scrolled one.
	c, ok = detectScroll(up, old, stride, area, a, b)
	if !ok || c.dy != 37 {
		t.Errorf("scroll down by 37: got %+v, %v", c, ok)
	}
	if c, ok := detectScroll(old, toPix(fill.SubImage(m.Rect).(*image.RGBA)), stride, area, a, b); ok {
		t.Errorf("a new picture detected as a scroll: %+v", c)
	}
	// Applying the copy to the old pixels gives the new ones over its rows.
	c, _ = detectScroll(old, up, stride, area, a, b)
	moved := append([]byte(nil), old...)
	c.apply(moved, stride, 4)
	if !sameBGRX(moved, up, stride, c.rect) {
		t.Error("the copy does not reproduce the scrolled rows")
	}
}
