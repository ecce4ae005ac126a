package turbojpeg

import "testing"

// BenchmarkCodec encodes and decodes the whole desktop screenshot (photos
// and UI, 1920x1080) at quality 80: run it with CGO_ENABLED=1
// (libjpeg-turbo) and CGO_ENABLED=0 (image/jpeg, as ra-p2p.exe has it) to
// see what the Windows build pays (docs/DESIGN.md, issue 16).
func BenchmarkCodec(b *testing.B) {
	m := loadRGBA(b, "../../stream/screen/testdata/desktop-1920x1080.png")
	w, h := m.Rect.Dx(), m.Rect.Dy()
	enc, err := NewEncoder()
	if err != nil {
		b.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	j, err := enc.Encode(nil, m.Pix, w, h, m.Stride, 80)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("libjpeg-turbo: %v; %d bytes", Accelerated, len(j))
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if j, err = enc.Encode(j[:0], m.Pix, w, h, m.Stride, 80); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(w*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
	})
	out := make([]byte, 4*w*h)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if err := dec.Decode(out, j, w, h, 4*w); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(w*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
	})
}
