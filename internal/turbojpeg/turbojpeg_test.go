package turbojpeg

import (
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"testing"
)

func loadRGBA(t testing.TB, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	m := image.NewRGBA(src.Bounds())
	draw.Draw(m, m.Rect, src, src.Bounds().Min, draw.Src)
	return m
}

func psnr(a, b []byte) float64 {
	var se float64
	n := 0
	for i := 0; i < len(a); i += 4 {
		for c := range 3 {
			d := float64(a[i+c]) - float64(b[i+c])
			se += d * d
			n++
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// TestRoundTripRealScreenshot: a desktop screenshot (photos and UI) goes
// through the encoder and decoder at quality 80 and comes back close.
func TestRoundTripRealScreenshot(t *testing.T) {
	m := loadRGBA(t, "../../stream/screen/testdata/desktop-1920x1080.png")
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	// A sub-rectangle with a stride wider than the row, as the atlas is.
	w, h := 1024, 512
	j, err := enc.Encode(nil, m.Pix, w, h, m.Stride, 80)
	if err != nil {
		t.Fatal(err)
	}
	if gw, gh, err := dec.Size(j); err != nil || gw != w || gh != h {
		t.Fatalf("Size = %d, %d, %v; want %d, %d", gw, gh, err, w, h)
	}
	out := make([]byte, 4*w*h)
	if err := dec.Decode(out, j, w, h, 4*w); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 0, 4*w*h)
	for y := range h {
		want = append(want, m.Pix[y*m.Stride:][:4*w]...)
	}
	p := psnr(want, out)
	t.Logf("%dx%d at q80: %d bytes, PSNR %.1f dB (libjpeg-turbo: %v)", w, h, len(j), p, Accelerated)
	if p < 35 {
		t.Errorf("PSNR %.1f dB, want ≥ 35", p)
	}
	for i := 3; i < len(out); i += 4 {
		if out[i] != 0xff {
			t.Fatalf("alpha at byte %d is %d, want opaque", i, out[i])
		}
	}
}

// TestDecodeRejectsBadInput: a JPEG of another size than the caller
// expects, garbage and a truncated stream are errors, and the destination
// is never written past its length.
func TestDecodeRejectsBadInput(t *testing.T) {
	enc, _ := NewEncoder()
	dec, _ := NewDecoder()
	src := make([]byte, 4*64*64)
	j, err := enc.Encode(nil, src, 64, 64, 4*64, 80)
	if err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 4*32*32)
	if err := dec.Decode(small, j, 32, 32, 4*32); err == nil {
		t.Error("a 64x64 JPEG decoded into a 32x32 destination")
	}
	if err := dec.Decode(make([]byte, 4*64*64), []byte("not a jpeg at all"), 64, 64, 4*64); err == nil {
		t.Error("garbage decoded")
	}
	if err := dec.Decode(make([]byte, 4*64*64), j[:len(j)/2], 64, 64, 4*64); err == nil && Accelerated {
		// libjpeg-turbo fills a truncated scan with grey and warns; it must
		// at least not fail silently on a cut header.
		if err := dec.Decode(make([]byte, 4*64*64), j[:20], 64, 64, 4*64); err == nil {
			t.Error("a cut header decoded")
		}
	}
	if err := dec.Decode(make([]byte, 10), j, 64, 64, 4*64); err == nil {
		t.Error("a too-small destination was accepted")
	}
	if _, err := enc.Encode(nil, make([]byte, 10), 64, 64, 4*64, 80); err == nil {
		t.Error("a too-small source was accepted")
	}
}

func FuzzDecode(f *testing.F) {
	enc, _ := NewEncoder()
	j, _ := enc.Encode(nil, make([]byte, 4*64*64), 64, 64, 4*64, 80)
	f.Add(j)
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		_ = dec.Decode(make([]byte, 4*64*64), data, 64, 64, 4*64)
	})
}
