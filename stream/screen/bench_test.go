package screen

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"testing"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// countWriter counts what the sender writes and keeps nothing.
type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return len(b), nil
}

// reportFrames reports frames per second of wall time, bytes and CPU
// milliseconds per frame; cpu0 is processCPU() when the timer started.
func reportFrames(b *testing.B, bytes int64, cpu0 float64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fps")
	b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
	b.ReportMetric((processCPU()-cpu0)*1e3/float64(b.N), "cpu-ms/frame")
	b.ReportMetric(0, "ns/op") // fps says it
}

// BenchmarkEncode1080pTyping: one 8x16 character cell changes per frame on
// a 1920x1080 text screen; Offer and the encoding of the update.
func BenchmarkEncode1080pTyping(b *testing.B) {
	m := screenshot(b, "text-1920x1080.png")
	w := &countWriter{}
	s := newTestSender(b, w, `{}`)
	f := toBGRX(m)
	if err := s.Offer(f); err != nil {
		b.Fatal(err)
	}
	flushScreen(b, s)
	w.n = 0
	// Glyph cells of the first text line, typed along the last lines.
	b.ResetTimer()
	cpu0 := processCPU()
	for i := range b.N {
		src := image.Pt(8*(i%60)+2, 3)
		dst := image.Rect(8*(i%200)+16, 16*(i/200%8)+940, 8*(i%200)+24, 16*(i/200%8)+956)
		for y := range 16 {
			copy(f.Pix[(dst.Min.Y+y)*f.Stride+4*dst.Min.X:][:32], f.Pix[(src.Y+y)*f.Stride+4*src.X:])
		}
		f.Dirty = []image.Rectangle{dst}
		if err := s.Offer(f); err != nil {
			b.Fatal(err)
		}
		flushScreen(b, s)
	}
	reportFrames(b, w.n, cpu0)
}

// scrollFrames are 8 frames of the text screen scrolled by 16 rows each.
func scrollFrames(b *testing.B) []desktop.Frame {
	m := screenshot(b, "text-1920x1080.png")
	base := toBGRX(m)
	frames := make([]desktop.Frame, 8)
	for k := range frames {
		f := base
		f.Pix = make([]byte, len(base.Pix))
		for y := range f.Height {
			sy := (y + 16*k) % f.Height
			copy(f.Pix[y*f.Stride:(y+1)*f.Stride], base.Pix[sy*f.Stride:])
		}
		f.Dirty = []image.Rectangle{image.Rect(0, 0, f.Width, f.Height)}
		frames[k] = f
	}
	return frames
}

// BenchmarkEncode1080pFullChange: every pixel may change each frame.
// scroll: text scrolling 16 rows a frame; desktop: the desktop with the photo
// window and the text screen alternate (worst case: a key frame each time).
func BenchmarkEncode1080pFullChange(b *testing.B) {
	sets := map[string][]desktop.Frame{
		"scroll": scrollFrames(b),
		"desktop": {toBGRX(screenshot(b, "desktop-1920x1080.png"), image.Rect(0, 0, 1920, 1080)),
			toBGRX(screenshot(b, "text-1920x1080.png"), image.Rect(0, 0, 1920, 1080))},
	}
	for _, name := range []string{"scroll", "desktop"} {
		for _, set := range []string{`{}`, `{"max_width":1280,"max_height":720}`} {
			for _, workers := range []int{1, 2} {
				label := "1080p"
				if set != `{}` {
					label = "to720p"
				}
				b.Run(fmt.Sprintf("%s/%s/workers=%d", name, label, workers), func(b *testing.B) {
					frames := sets[name]
					w := &countWriter{}
					s := newTestSender(b, w, set)
					s.workers = workers
					if err := s.Offer(frames[0]); err != nil {
						b.Fatal(err)
					}
					flushScreen(b, s)
					w.n = 0
					b.ResetTimer()
					cpu0 := processCPU()
					for i := range b.N {
						if err := s.Offer(frames[(i+1)%len(frames)]); err != nil {
							b.Fatal(err)
						}
						flushScreen(b, s)
					}
					reportFrames(b, w.n, cpu0)
				})
			}
		}
	}
}

// encodedUpdates encodes frames (the first one whole) and returns the
// frames of each update after the first.
func encodedUpdates(b *testing.B, frames []desktop.Frame) (key []byte, updates [][]byte) {
	var buf bytes.Buffer
	s := newTestSender(b, &buf, `{}`)
	if err := s.Offer(frames[0]); err != nil {
		b.Fatal(err)
	}
	flushScreen(b, s)
	key = append([]byte{}, buf.Bytes()...)
	for _, f := range frames[1:] {
		buf.Reset()
		if err := s.Offer(f); err != nil {
			b.Fatal(err)
		}
		flushScreen(b, s)
		updates = append(updates, append([]byte{}, buf.Bytes()...))
	}
	return key, updates
}

// BenchmarkDecode1080p decodes updates and publishes each (the renderer's
// snapshot copy included): a full key frame of the desktop, scrolling text,
// and typing.
func BenchmarkDecode1080p(b *testing.B) {
	typing := make([]desktop.Frame, 65)
	m := screenshot(b, "text-1920x1080.png")
	typing[0] = toBGRX(m)
	for i := 1; i < len(typing); i++ {
		f := typing[0]
		dst := image.Rect(8*i+16, 940, 8*i+24, 956)
		for y := range 16 {
			copy(f.Pix[(dst.Min.Y+y)*f.Stride+4*dst.Min.X:][:32], f.Pix[(3+y)*f.Stride+4*(8*i+2):])
		}
		f.Dirty = []image.Rectangle{dst}
		typing[i] = f
	}
	desk := toBGRX(screenshot(b, "desktop-1920x1080.png"))
	for name, frames := range map[string][]desktop.Frame{
		"key-desktop": {desk, desk},
		"scroll":      scrollFrames(b),
		"typing":      typing,
	} {
		b.Run(name, func(b *testing.B) {
			key, updates := encodedUpdates(b, frames)
			if name == "key-desktop" {
				updates = [][]byte{key}
			}
			r := NewReceiver(bytes.NewReader(nil), io.Discard)
			r.SetSettings(Settings{})
			r.dec = newTileDecoder()
			defer r.dec.close()
			decodeAll := func(in []byte) {
				fr := framing.NewFrameReader(bytes.NewReader(in), MaxMessage)
				for {
					typ, body, err := fr.ReadFrame()
					if err == io.EOF {
						return
					}
					if err == nil {
						err = r.handle(typ, body)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			decodeAll(key)
			var total int64
			b.ResetTimer()
			cpu0 := processCPU()
			for i := range b.N {
				u := updates[i%len(updates)]
				// Replays: rewind the update number to the one before u's.
				seq, _ := binaryUvarint(u)
				r.lastSeq = seq - 1
				decodeAll(u)
				r.WithLatest(func(desktop.View) {}) // the renderer's turn
				total += int64(len(u))
			}
			reportFrames(b, total, cpu0)
		})
	}
}

// binaryUvarint reads the sequence number of the first update frame in b.
func binaryUvarint(b []byte) (uint64, error) {
	fr := framing.NewFrameReader(bytes.NewReader(b), MaxMessage)
	_, body, err := fr.ReadFrame()
	if err != nil {
		return 0, err
	}
	w := framing.NewBody(body)
	return w.Uvarint("seq"), w.Err()
}

// BenchmarkScreenScale downscales a whole 1920x1080 screen to 1280x720.
func BenchmarkScreenScale(b *testing.B) {
	f := toBGRX(screenshot(b, "desktop-1920x1080.png"))
	canvas := make([]byte, 4*f.Width*f.Height)
	copyBGRX(canvas, 4*f.Width, f.Pix, f.Stride, image.Rect(0, 0, f.Width, f.Height))
	sc := newScaler(1920, 1080, 1280, 720)
	out := make([]byte, Tile*Tile*4)
	var scratch scaleScratch
	b.SetBytes(1920 * 1080 * 4)
	cpu0 := processCPU()
	for b.Loop() {
		for y := 0; y < 720; y += Tile {
			for x := 0; x < 1280; x += Tile {
				sc.scale(canvas, 4*1920, image.Rect(x, y, min(x+Tile, 1280), min(y+Tile, 720)), out, &scratch)
			}
		}
	}
	b.ReportMetric((processCPU()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkEncodePaletteTiles encodes every tile of the shaped benchmark's
// xterm (random base64 scrolling in a bitmap font: two colours, dense, as
// test/latency's ScrollScript draws it), as palette tiles in one part with
// photos allowed, as Automatic sends them: the encoder's share of the
// novice's CPU on that workload.
func BenchmarkEncodePaletteTiles(b *testing.B) {
	f := toBGRX(screenshot(b, "xterm-scroll-1280x800.png"))
	p := &part{screenW: f.Width, screenH: f.Height, imageW: f.Width, imageH: f.Height, quality: 80, palette: true}
	for y := 0; y < f.Height; y += Tile {
		for x := 0; x < f.Width; x += Tile {
			p.tiles = append(p.tiles, image.Rect(x, y, min(x+Tile, f.Width), min(y+Tile, f.Height)))
		}
	}
	e := newTileEncoder()
	var out []byte
	b.ResetTimer()
	for range b.N {
		var err error
		if out, err = e.encode(out[:0], f.Pix, f.Stride, nil, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "B/part")
	b.ReportMetric(float64(p.nLossless), "palette-tiles")
}

// BenchmarkSharpPhotoTiles: the sharpness test of every photo tile of the
// desktop screenshot, which classify runs on each tile of more than
// jpegColours colours (the slideshow's photos).
func BenchmarkSharpPhotoTiles(b *testing.B) {
	f := toBGRX(screenshot(b, "desktop-1920x1080.png"))
	e := newTileEncoder()
	var tiles []image.Rectangle
	for y := 0; y+Tile <= f.Height; y += Tile {
		for x := 0; x+Tile <= f.Width; x += Tile {
			r := image.Rect(x, y, x+Tile, y+Tile)
			if _, photo := e.classify(f.Pix, f.Stride, r, true); photo {
				tiles = append(tiles, r)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		for _, r := range tiles {
			sharp(f.Pix, f.Stride, r)
		}
	}
	b.ReportMetric(float64(len(tiles)), "tiles")
}

// BenchmarkDetectScroll finds the shaped benchmark's xterm scrolled by 13
// rows (a line of its font) over the whole screen: what scroll detection
// costs each update of that workload.
func BenchmarkDetectScroll(b *testing.B) {
	m := screenshot(b, "xterm-scroll-1280x800.png")
	next := scrolled(m, screenshot(b, "text-1920x1080.png"), 13)
	oldF, newF := toBGRX(m), toBGRX(next, next.Rect)
	area := m.Rect
	oldHash, newHash := make([]uint64, area.Dy()), make([]uint64, area.Dy())
	b.ResetTimer()
	for range b.N {
		c, ok := detectScroll(oldF.Pix, newF.Pix, oldF.Stride, area, oldHash, newHash)
		if !ok || c.dy != -13 {
			b.Fatalf("scroll not found: %v %+v", ok, c)
		}
	}
}
