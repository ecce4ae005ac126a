package screen

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/wake"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Screenshots in testdata, taken under Xvfb with xterm (DejaVu Sans
// Mono, anti-aliased) and ImageMagick (import -window root; the photo-like
// window is `display` of a blurred plasma:fractal):
//
//	xterm-1280x800.png     an xterm full of Go source, black on white
//	text-1920x1080.png     two columns of Go source, dark on cream
//	desktop-1920x1080.png  a dark xterm with colour ls output, a gradient
//	                       background and an 800x600 photo-like window
var screenshots = struct {
	sync.Mutex
	m map[string]*image.RGBA
}{m: map[string]*image.RGBA{}}

// screenshot returns a fresh copy of a testdata screenshot as RGBA.
func screenshot(t testing.TB, name string) *image.RGBA {
	t.Helper()
	screenshots.Lock()
	defer screenshots.Unlock()
	m := screenshots.m[name]
	if m == nil {
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		src, err := png.Decode(f)
		if err != nil {
			t.Fatalf("decoding %s: %v", name, err)
		}
		m = image.NewRGBA(src.Bounds())
		draw.Draw(m, m.Bounds(), src, image.Point{}, draw.Src)
		screenshots.m[name] = m
	}
	c := image.NewRGBA(m.Bounds())
	copy(c.Pix, m.Pix)
	return c
}

// toBGRX converts an RGBA image to a capture frame with a padded stride,
// as XShm may give.
func toBGRX(m *image.RGBA, dirty ...image.Rectangle) desktop.Frame {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	f := desktop.Frame{Width: w, Height: h, Stride: 4*w + 64, Dirty: dirty}
	f.Pix = make([]byte, f.Stride*h)
	putBGRX(f, m, m.Rect)
	return f
}

// putBGRX copies rectangle r of m into the frame's pixels.
func putBGRX(f desktop.Frame, m *image.RGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s := m.Pix[m.PixOffset(x, y):]
			d := f.Pix[y*f.Stride+4*x:]
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0
		}
	}
}

// psnr compares the RGB channels of a and b over r, in dB (99 when equal).
func psnr(a, b *image.RGBA, r image.Rectangle) float64 {
	var se float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		pa, pb := a.Pix[a.PixOffset(r.Min.X, y):], b.Pix[b.PixOffset(r.Min.X, y):]
		for i := 0; i < r.Dx()*4; i++ {
			if i%4 == 3 {
				continue
			}
			d := float64(pa[i]) - float64(pb[i])
			se += d * d
			n++
		}
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255*float64(n)/se)
}

// referenceDownscale is an independent, float64 area average of m to w x h.
func referenceDownscale(m *image.RGBA, w, h int) *image.RGBA {
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	rx, ry := float64(sw)/float64(w), float64(sh)/float64(h)
	for oy := range h {
		y0, y1 := float64(oy)*ry, float64(oy+1)*ry
		for ox := range w {
			x0, x1 := float64(ox)*rx, float64(ox+1)*rx
			var sum [3]float64
			for sy := int(y0); float64(sy) < y1 && sy < sh; sy++ {
				wy := math.Min(y1, float64(sy+1)) - math.Max(y0, float64(sy))
				for sx := int(x0); float64(sx) < x1 && sx < sw; sx++ {
					wx := math.Min(x1, float64(sx+1)) - math.Max(x0, float64(sx))
					p := m.Pix[m.PixOffset(sx, sy):]
					for c := range 3 {
						sum[c] += wx * wy * float64(p[c])
					}
				}
			}
			d := out.Pix[out.PixOffset(ox, oy):]
			for c := range 3 {
				d[c] = uint8(math.Round(sum[c] / (rx * ry)))
			}
			d[3] = 0xff
		}
	}
	return out
}

// screenPair runs a sender and a receiver over net.Pipe until stop.
type screenPair struct {
	s    *Sender
	r    *Receiver
	stop func()
}

func newScreenPair(t *testing.T, set Settings, wrap func(net.Conn) io.ReadWriter) *screenPair {
	t.Helper()
	return newScreenPairPrepared(t, set, wrap, nil)
}

// newScreenPairPrepared is newScreenPair with prepare called on the
// receiver before either side runs (an older viewer's settings), so the
// first settings the sender reads are already those.
func newScreenPairPrepared(t *testing.T, set Settings, wrap func(net.Conn) io.ReadWriter, prepare func(*Receiver)) *screenPair {
	t.Helper()
	sc, rc := net.Pipe()
	var rrw io.ReadWriter = rc
	if wrap != nil {
		rrw = wrap(rc)
	}
	p := &screenPair{s: NewSender(sc, sc), r: NewReceiver(rrw, rrw)}
	p.r.SetSettings(set)
	if prepare != nil {
		prepare(p.r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- p.s.Run(ctx) })
	wg.Go(func() { errs <- p.r.Run(ctx) })
	p.stop = func() {
		cancel()
		wg.Wait()
		sc.Close()
		rc.Close()
		for range 2 {
			if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v", err)
			}
		}
	}
	return p
}

// waitView waits until the receiver publishes an image that ok accepts,
// then until the bubble is idle (so the sender's stats are up to date).
func waitView(t *testing.T, r *Receiver, ok func(desktop.View) bool) desktop.View {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if v := r.Latest(); v.Image != nil && ok(v) {
			synctest.Wait()
			return v
		}
		select {
		case <-r.Updated():
		case <-deadline:
			t.Fatalf("no such image after a minute; last version %d", r.Latest().Version)
		}
	}
}

func newer(than uint64) func(desktop.View) bool {
	return func(v desktop.View) bool { return v.Version > than }
}

// lossyTiles lists the 64x64 tiles of m the encoder sends as JPEG.
func lossyTiles(m *image.RGBA) map[image.Rectangle]bool {
	e := newTileEncoder()
	lossy := map[image.Rectangle]bool{}
	for y := 0; y < m.Rect.Dy(); y += Tile {
		for x := 0; x < m.Rect.Dx(); x += Tile {
			r := image.Rect(x, y, x+Tile, y+Tile).Intersect(m.Rect)
			// RGBA read as BGRX swaps R and B: colours and edges stay the same.
			if _, photo := e.classify(m.Pix, m.Stride, r, true); photo {
				lossy[r] = true
			}
		}
	}
	return lossy
}

// checkTiles checks every tile of got against want: equal where lossless,
// at least minPSNR where lossy.
func checkTiles(t *testing.T, got, want *image.RGBA, lossy map[image.Rectangle]bool, minPSNR float64) {
	t.Helper()
	if got.Rect != want.Rect {
		t.Fatalf("image of %v, want %v", got.Rect, want.Rect)
	}
	bad := 0
	for y := 0; y < want.Rect.Dy(); y += Tile {
		for x := 0; x < want.Rect.Dx(); x += Tile {
			r := image.Rect(x, y, x+Tile, y+Tile).Intersect(want.Rect)
			p := psnr(got, want, r)
			if (lossy[r] && p < minPSNR) || (!lossy[r] && p != 99) {
				if bad++; bad <= 5 {
					t.Errorf("tile %v (lossy %v): PSNR %.1f dB", r, lossy[r], p)
				}
			}
		}
	}
}

func TestScreenRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		m, frame, v := offerDesktop(t, p)
		if v.Screen != image.Pt(1920, 1080) || v.Image.Rect != m.Rect {
			t.Fatalf("screen %v, image %v, want 1920x1080 both", v.Screen, v.Image.Rect)
		}
		lossy := lossyTiles(m)
		if len(lossy) < 100 || len(lossy) > 200 {
			t.Errorf("%d lossy tiles; the photo window alone has about 140", len(lossy))
		}
		checkTiles(t, v.Image, m, lossy, 35)
		st := p.s.Stats()
		t.Logf("key frame: %d bytes in %d parts, tiles solid %d lossless %d JPEG %d",
			st.Bytes, st.Parts, st.TilesSolid, st.TilesLossless, st.TilesJPEG)
		if st.KeyFrames != 1 || st.TilesSolid+st.TilesLossless+st.TilesJPEG != 30*17 || st.TilesJPEG != int64(len(lossy)) {
			t.Errorf("stats after the key frame: %+v", st)
		}

		// A small change: only the tiles it touches are sent.
		v = offerSmallChange(t, p, m, frame, v)
		st2 := p.s.Stats()
		if n := st2.TilesSolid + st2.TilesLossless + st2.TilesJPEG - (st.TilesSolid + st.TilesLossless + st.TilesJPEG); n != 2 || st2.Updates != 2 {
			t.Errorf("a change within 2 tiles sent %d tiles in %d updates", n, st2.Updates-st.Updates)
		}
		t.Logf("2-tile update: %d bytes", st2.Bytes-st.Bytes)
		checkTiles(t, v.Image, m, lossy, 35)
	})
}

// offerDesktop offers the 1920x1080 desktop screenshot as the first frame
// and waits for the view that shows it.
func offerDesktop(t *testing.T, p *screenPair) (*image.RGBA, desktop.Frame, desktop.View) {
	t.Helper()
	m := screenshot(t, "desktop-1920x1080.png")
	frame := toBGRX(m)
	if err := p.s.Offer(frame); err != nil {
		t.Fatal(err)
	}
	return m, frame, waitView(t, p.r, newer(0))
}

// offerSmallChange paints a red rectangle over tiles (1,1) and (2,1) of m,
// offers frame with it as the only change, and waits for the view after
// last that shows it.
func offerSmallChange(t *testing.T, p *screenPair, m *image.RGBA, frame desktop.Frame, last desktop.View) desktop.View {
	t.Helper()
	rect := image.Rect(100, 100, 140, 120)
	draw.Draw(m, rect, image.NewUniform(color.RGBA{200, 30, 30, 255}), image.Point{}, draw.Src)
	putBGRX(frame, m, rect)
	frame.Dirty = []image.Rectangle{rect}
	if err := p.s.Offer(frame); err != nil {
		t.Fatal(err)
	}
	return waitView(t, p.r, newer(last.Version))
}

// WithLatest lends the receiver's own image (the same one each time, no
// copy) with the newest update in it, and Cells that say which tiles that
// update changed; Latest copies it.
func TestWithLatestLendsTheShownImage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		m, frame, key := offerDesktop(t, p)
		kept := offerSmallChange(t, p, m, frame, key)

		var lent []*image.RGBA
		for range 2 {
			p.r.WithLatest(func(v desktop.View) {
				lent = append(lent, v.Image)
				if v.Version != kept.Version || !bytes.Equal(v.Image.Pix, kept.Image.Pix) {
					t.Errorf("lent version %d, pixels equal to Latest's copy %v; want version %d", v.Version, bytes.Equal(v.Image.Pix, kept.Image.Pix), kept.Version)
				}
				cols := (v.Image.Rect.Dx() + Tile - 1) / Tile
				for i, gen := range v.Cells {
					want := key.Version
					if i == 1*cols+1 || i == 1*cols+2 {
						want = kept.Version
					}
					if gen != want {
						t.Errorf("cell (%d,%d) changed in version %d, want %d", i%cols, i/cols, gen, want)
					}
				}
			})
		}
		if lent[0] != lent[1] {
			t.Error("WithLatest lent a different image with no update between: a copy")
		}
		if kept.Image == lent[0] {
			t.Error("Latest returned the receiver's own image, not a copy")
		}
		checkTiles(t, lent[0], m, lossyTiles(m), 35)
	})
}

func TestScreenTextIsLossless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		for _, name := range []string{"xterm-1280x800.png", "text-1920x1080.png"} {
			m := screenshot(t, name)
			before := p.s.Stats()
			if err := p.s.Offer(toBGRX(m)); err != nil {
				t.Fatal(err)
			}
			v := waitView(t, p.r, func(v desktop.View) bool { return v.Image.Rect == m.Rect })
			if p := psnr(v.Image, m, m.Rect); p != 99 {
				t.Errorf("%s: PSNR %.1f dB, want identical", name, p)
			}
			st := p.s.Stats()
			if st.TilesJPEG != 0 {
				t.Errorf("%s: %d JPEG tiles in text", name, st.TilesJPEG)
			}
			t.Logf("%s: key frame of %d bytes", name, st.Bytes-before.Bytes)
		}
	})
}

func TestScreenScaled(t *testing.T) {
	m := screenshot(t, "desktop-1920x1080.png")
	for _, tt := range []struct {
		set  Settings
		w, h int
	}{
		{Settings{MaxWidth: 1280, MaxHeight: 720}, 1280, 720},  // 2/3
		{Settings{MaxWidth: 1000, MaxHeight: 1000}, 1000, 563}, // 0.52: fits the width
		{Settings{MaxWidth: 5000, MaxHeight: 540}, 960, 540},   // fits the height
		{Settings{MaxWidth: 800, MaxHeight: 600, Lossless: true}, 800, 450},
	} {
		synctest.Test(t, func(t *testing.T) {
			p := newScreenPair(t, tt.set, nil)
			defer p.stop()
			if err := p.s.Offer(toBGRX(m)); err != nil {
				t.Fatal(err)
			}
			v := waitView(t, p.r, newer(0))
			if v.Image.Rect.Dx() != tt.w || v.Image.Rect.Dy() != tt.h || v.Screen != image.Pt(1920, 1080) {
				t.Fatalf("%+v: image %v of screen %v, want %dx%d of 1920x1080", tt.set, v.Image.Rect, v.Screen, tt.w, tt.h)
			}
			ref := referenceDownscale(m, tt.w, tt.h)
			got := psnr(v.Image, ref, ref.Rect)
			if got < 35 {
				t.Errorf("%+v: PSNR %.1f dB against the reference downscale", tt.set, got)
			}
			if tt.set.Lossless && got < 45 {
				t.Errorf("%+v: lossless yet PSNR %.1f dB against the reference downscale", tt.set, got)
			}
			st := p.s.Stats()
			t.Logf("%dx%d: %.1f dB, %d bytes, tiles JPEG %d lossless %d solid %d", tt.w, tt.h, got, st.Bytes, st.TilesJPEG, st.TilesLossless, st.TilesSolid)

			// A change is sent as the tiles it touches in scaled space, and
			// the result still matches a downscale of the new screen.
			rect := image.Rect(1100, 300, 1300, 330)
			draw.Draw(m, rect, image.NewUniform(color.RGBA{250, 250, 0, 255}), image.Point{}, draw.Src)
			f := toBGRX(m, rect)
			if err := p.s.Offer(f); err != nil {
				t.Fatal(err)
			}
			v = waitView(t, p.r, newer(v.Version))
			ref = referenceDownscale(m, tt.w, tt.h)
			if got := psnr(v.Image, ref, ref.Rect); got < 35 {
				t.Errorf("%+v after a change: PSNR %.1f dB", tt.set, got)
			}
		})
	}
}

// TestScreenScalerSpans checks the weights and the scaler's mapping helpers agree.
func TestScreenScalerSpans(t *testing.T) {
	for _, sz := range [][4]int{{1920, 1080, 1280, 720}, {1920, 1080, 1000, 563}, {7, 5, 3, 2}, {100, 100, 99, 1}} {
		sc := newScaler(sz[0], sz[1], sz[2], sz[3])
		for _, tp := range []taps{sc.x, sc.y} {
			for i := range tp.dst {
				var sum uint32
				for _, w := range tp.w[tp.off[i]:tp.off[i+1]] {
					sum += w
				}
				if sum != 1<<16 {
					t.Fatalf("%v: output %d weights sum to %d", sz, i, sum)
				}
			}
			// Every source pixel's outputs read it.
			for s := range tp.src {
				d0, d1 := tp.dstSpan(s, s+1)
				for d := d0; d < d1; d++ {
					if s0, s1 := tp.srcSpan(d, d+1); s < s0 || s >= s1 {
						t.Fatalf("%v: source %d maps to output %d, which reads %d..%d", sz, s, d, s0, s1)
					}
				}
				if d0 >= d1 {
					t.Fatalf("%v: source %d affects no output", sz, s)
				}
			}
		}
	}
}

// slowConn is a stream whose writes never block (like a large transport
// window) and whose reads trickle: it records the most bytes it held.
type slowConn struct {
	mu      sync.Mutex
	buf     []byte
	maxHeld int
	ready   chan struct{}
	closed  bool
	perRead int
	delay   time.Duration
}

func (c *slowConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	c.buf = append(c.buf, b...)
	c.maxHeld = max(c.maxHeld, len(c.buf))
	wake.Signal(c.ready)
	return len(b), nil
}

func (c *slowConn) Read(b []byte) (int, error) {
	time.Sleep(c.delay)
	for {
		c.mu.Lock()
		if len(c.buf) > 0 {
			n := copy(b[:min(len(b), c.perRead)], c.buf)
			c.buf = c.buf[n:]
			c.mu.Unlock()
			return n, nil
		}
		if c.closed {
			c.mu.Unlock()
			return 0, io.EOF
		}
		c.mu.Unlock()
		<-c.ready
	}
}

// SetReadDeadline only supports "now", as Run uses it.
func (c *slowConn) SetReadDeadline(time.Time) error {
	c.close()
	return nil
}

func (c *slowConn) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	wake.Signal(c.ready)
}

// TestScreenSlowReader offers 1000 frames of typing, 2 ms apart, to a viewer
// that reads 512 bytes every 20 ms over a transport that buffers without bound:
// the acks keep what is queued to two updates, the sender's memory stays
// at its canvases, and the last frame arrives intact.
func TestScreenSlowReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// sender → slow → receiver; receiver → pipe → sender.
		down := &slowConn{ready: make(chan struct{}, 1), perRead: 512, delay: 20 * time.Millisecond}
		upR, upW := net.Pipe()
		s := NewSender(down, upR)
		r := NewReceiver(down, upW)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { s.Run(ctx) })
		wg.Go(func() { r.Run(ctx) })
		defer func() {
			cancel()
			down.close()
			upR.Close()
			upW.Close()
			wg.Wait()
		}()

		m := screenshot(t, "text-1920x1080.png")
		frame := toBGRX(m)
		if err := s.Offer(frame); err != nil {
			t.Fatal(err)
		}
		waitView(t, r, newer(0))
		keyBytes := s.Stats().Bytes
		down.mu.Lock()
		down.maxHeld = 0
		down.mu.Unlock()

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		glyph := image.NewUniform(color.RGBA{20, 20, 20, 255})
		for i := range 1000 {
			// Type a block "character" of 8x16 per frame across the screen.
			x, y := 8*(i%200)+200, 16*(i/200)+900
			cell := image.Rect(x, y+3, x+7, y+14)
			draw.Draw(m, cell, glyph, image.Point{}, draw.Src)
			putBGRX(frame, m, cell)
			frame.Dirty = []image.Rectangle{cell}
			if err := s.Offer(frame); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		v := waitView(t, r, func(v desktop.View) bool { return psnr(v.Image, m, m.Rect) == 99 })
		st := s.Stats()
		down.mu.Lock()
		held := down.maxHeld
		down.mu.Unlock()
		t.Logf("1000 offers → %d updates, %d bytes; transport held at most %d bytes; heap %+d KB",
			st.Updates-1, st.Bytes-keyBytes, held, (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>10)
		if st.Offers != 1001 || st.Updates > 1000 {
			t.Errorf("stats %+v", st)
		}
		// Two typing updates are a few KB each; without acks, 2 s of 30 fps
		// would queue 60 of them.
		if held > 64<<10 {
			t.Errorf("the transport held %d bytes", held)
		}
		if grow := int64(after.HeapAlloc) - int64(before.HeapAlloc); grow > 16<<20 {
			t.Errorf("heap grew by %d bytes", grow)
		}
		_ = v
	})
}

func TestScreenKeyFramesAndSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{MaxFPS: 10}, nil)
		defer p.stop()
		m := screenshot(t, "desktop-1920x1080.png")
		if err := p.s.Offer(toBGRX(m)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		v := waitView(t, p.r, newer(0))
		st := p.s.Stats()

		// A key frame on request: every tile again, nothing changed.
		p.r.RequestKeyFrame()
		v = waitView(t, p.r, newer(v.Version))
		st2 := p.s.Stats()
		if st2.KeyFrames != 2 || st2.TilesSolid+st2.TilesLossless+st2.TilesJPEG != 2*(30*17) {
			t.Errorf("after a key frame request: %+v", st2)
		}
		// MaxFPS 10: the second update came at least 100 ms after the first.
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("second update after %v at 10 fps", d)
		}

		// New settings: scaled, lossless; a key frame at the new size.
		p.r.SetSettings(Settings{MaxWidth: 960, MaxHeight: 540, Lossless: true})
		v = waitView(t, p.r, func(v desktop.View) bool { return v.Image.Rect.Dx() == 960 })
		st3 := p.s.Stats()
		if st3.KeyFrames != 3 || st3.TilesJPEG != st2.TilesJPEG || v.Image.Rect.Dy() != 540 || v.Screen != image.Pt(1920, 1080) {
			t.Errorf("after lossless 960x540: image %v, stats %+v", v.Image.Rect, st3)
		}
		ref := referenceDownscale(m, 960, 540)
		if got := psnr(v.Image, ref, ref.Rect); got < 45 {
			t.Errorf("lossless scaled: PSNR %.1f dB", got)
		}

		// Back to full size at a low JPEG quality: fewer bytes than the first key frame.
		p.r.SetSettings(Settings{Quality: 30})
		v = waitView(t, p.r, func(v desktop.View) bool { return v.Image.Rect.Dx() == 1920 })
		st4 := p.s.Stats()
		if st4.Bytes-st3.Bytes >= st.Bytes || st4.KeyFrames != 4 {
			t.Errorf("quality 30 key frame of %d bytes, q80 was %d", st4.Bytes-st3.Bytes, st.Bytes)
		}
		checkTiles(t, v.Image, m, lossyTiles(m), 28)

		// The screen changes size: a key frame at the new size, unasked.
		small := screenshot(t, "xterm-1280x800.png")
		if err := p.s.Offer(toBGRX(small)); err != nil {
			t.Fatal(err)
		}
		v = waitView(t, p.r, func(v desktop.View) bool { return v.Screen == image.Pt(1280, 800) })
		if psnr(v.Image, small, small.Rect) != 99 {
			t.Error("after a resize the text is not exact")
		}
	})
}

func TestScreenCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		m := screenshot(t, "xterm-1280x800.png")
		f := toBGRX(m)
		shape := image.NewRGBA(image.Rect(0, 0, 16, 24))
		for i := range shape.Pix {
			shape.Pix[i] = byte(i)
		}
		f.Cursor.X, f.Cursor.Y, f.Cursor.Visible = 640, 400, true
		f.Cursor.Shape, f.Cursor.HotX, f.Cursor.HotY = shape, 1, 2
		if err := p.s.Offer(f); err != nil {
			t.Fatal(err)
		}
		v := waitView(t, p.r, func(v desktop.View) bool { return v.Cursor.Shape != nil && v.Cursor.Visible })
		c := v.Cursor
		if c.X != 640 || c.Y != 400 || c.HotX != 1 || c.HotY != 2 || c.Shape.Rect.Dx() != 16 || string(c.Shape.Pix) != string(shape.Pix) {
			t.Errorf("cursor %+v", c)
		}
		// Cursor-only frames: no pixels sent.
		before := p.s.Stats()
		f.Dirty, f.Cursor.Shape = nil, nil
		for i := range 10 {
			f.Cursor.X, f.Cursor.Y = -5+i, 799
			if err := p.s.Offer(f); err != nil {
				t.Fatal(err)
			}
		}
		waitView(t, p.r, func(v desktop.View) bool { return v.Cursor.X == 4 })
		after := p.s.Stats()
		if after.Updates != before.Updates || after.Cursor == before.Cursor {
			t.Errorf("cursor moves: updates %d → %d, cursor messages %d → %d", before.Updates, after.Updates, before.Cursor, after.Cursor)
		}
		if v := p.r.Latest(); v.Cursor.Shape != c.Shape {
			t.Error("the shape changed without a new one")
		}
	})
}

// A region that changes at every grab (scrolling, video) is paced to the
// busy budget, while a change elsewhere goes at once.
func TestScreenBusyRegionPacedFreshChangeImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		m := image.NewRGBA(image.Rect(0, 0, 1280, 800))
		if err := p.s.Offer(toBGRX(m)); err != nil {
			t.Fatal(err)
		}
		waitView(t, p.r, newer(0))
		rng := rand.New(rand.NewPCG(1, 2))
		busy := image.Rect(0, 0, 640, 384)
		start := p.s.Stats()
		var probeAt time.Time
		probe := image.Rect(1152, 704, 1168, 720)
		for i := 0; i < 200; i++ { // 1 s of grabs every 5 ms
			// Lines of text scrolling by: rows of short random dashes.
			for y := busy.Min.Y; y < busy.Max.Y; y++ {
				for x := busy.Min.X; x < busy.Max.X; x++ {
					m.Pix[m.PixOffset(x, y)] = 0
				}
				if y%16 < 8 {
					for x := busy.Min.X; x < busy.Max.X; x += 8 {
						if rng.IntN(2) == 0 {
							m.Pix[m.PixOffset(x, y)] = 255
						}
					}
				}
			}
			dirty := []image.Rectangle{busy}
			if i == 150 {
				for y := probe.Min.Y; y < probe.Max.Y; y++ {
					for x := probe.Min.X; x < probe.Max.X; x++ {
						m.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
					}
				}
				dirty = append(dirty, probe)
				probeAt = time.Now()
			}
			if err := p.s.Offer(toBGRX(m, dirty...)); err != nil {
				t.Fatal(err)
			}
			if i == 150 {
				waitView(t, p.r, func(v desktop.View) bool { return v.Image.RGBAAt(1160, 710).R == 255 })
				if d := time.Since(probeAt); d > 20*time.Millisecond {
					t.Errorf("a fresh change beside a busy region took %v", d)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		st := p.s.Stats()
		updates, kbps := st.Updates-start.Updates, (st.Bytes-start.Bytes)*8/1000
		t.Logf("busy second: %d updates, %d kbit", updates, kbps)
		// 1600 kbit/s of busy budget (and the fresh change, and one
		// update sent before the region was known to be busy).
		if kbps > 2200 || updates > 60 || updates < 5 {
			t.Errorf("busy region: %d updates, %d kbit in one second; want it paced to ~1600 kbit/s", updates, kbps)
		}
	})
}

// TestScreenColoursAndScale: a viewer asking for fewer colours gets the
// screen with exactly those colours (text pixel-exact after the same
// reduction), in fewer bytes; one asking for a scale gets that size.
func TestScreenColoursAndScale(t *testing.T) {
	m := screenshot(t, "xterm-1280x800.png")
	var full [2]int64 // bytes of the xterm and of the desktop in full colour
	for _, depth := range []string{ColoursFull, Colours65536, Colours256, ColoursGrey} {
		synctest.Test(t, func(t *testing.T) {
			p := newScreenPair(t, Settings{Colours: depth}, nil)
			defer p.stop()
			if err := p.s.Offer(toBGRX(m)); err != nil {
				t.Fatal(err)
			}
			v := waitView(t, p.r, newer(0))
			want := toBGRX(m)
			reduceColours(want.Pix, depth)
			wantRGBA := image.NewRGBA(m.Rect)
			for y := range want.Height {
				for x := range want.Width {
					b := want.Pix[y*want.Stride+4*x:]
					wantRGBA.SetRGBA(x, y, color.RGBA{b[2], b[1], b[0], 255})
				}
			}
			if got := psnr(v.Image, wantRGBA, m.Rect); got != 99 {
				t.Errorf("colours %q: PSNR %.1f dB against the reduced screen, want identical", depth, got)
			}
			colours := map[[3]byte]bool{}
			for i := 0; i < len(v.Image.Pix); i += 4 {
				colours[[3]byte(v.Image.Pix[i:i+3])] = true
				if px := v.Image.Pix[i : i+3]; depth == ColoursGrey && (px[0] != px[1] || px[1] != px[2]) {
					t.Fatalf("grey: pixel %v is not grey", px)
				}
			}
			text := p.s.Stats().Bytes
			p.s.Offer(toBGRX(screenshot(t, "desktop-1920x1080.png")))
			waitView(t, p.r, newer(v.Version))
			photo := p.s.Stats().Bytes - text
			if depth == ColoursFull {
				full = [2]int64{text, photo}
			} else if text >= full[0] || photo >= full[1] {
				t.Errorf("colours %q: %d and %d bytes, not fewer than full colour's %d and %d", depth, text, photo, full[0], full[1])
			}
			t.Logf("colours %q: %d colours on the xterm, whose key frame is %d bytes; the desktop's %d", depth, len(colours), text, photo)
		})
	}
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{Scale: 50, MaxWidth: 1000}, nil)
		defer p.stop()
		if err := p.s.Offer(toBGRX(m)); err != nil {
			t.Fatal(err)
		}
		if v := waitView(t, p.r, newer(0)); v.Image.Rect.Size() != image.Pt(640, 400) {
			t.Fatalf("scale 50%% of 1280x800 within 1000 wide: image %v, want 640x400", v.Image.Rect)
		}
	})
}

// TestScreenPaletteTiles: tiles of 2 to 16 colours go as a palette and
// 1, 2 or 4 bits a pixel, and arrive exact, whatever their width (rows
// padded to a byte); more colours go as RGB.
func TestScreenPaletteTiles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{}, nil)
		defer p.stop()
		m := image.NewRGBA(image.Rect(0, 0, 333, 130)) // partial tiles at the right and the bottom
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range []int{2, 3, 4, 5, 16} {
			var pal []color.RGBA
			for range n {
				pal = append(pal, color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255})
			}
			for y := range m.Rect.Dy() {
				for x := range m.Rect.Dx() {
					m.SetRGBA(x, y, pal[rng.IntN(n)])
				}
			}
			before := p.s.Stats()
			if err := p.s.Offer(toBGRX(m, m.Rect)); err != nil {
				t.Fatal(err)
			}
			waitView(t, p.r, func(v desktop.View) bool { return psnr(v.Image, m, m.Rect) == 99 })
			st := p.s.Stats()
			raw := m.Rect.Dx() * m.Rect.Dy() * paletteBits(n) / 8
			t.Logf("%d colours: %d bytes (indices alone %d, RGB %d)", n, st.Bytes-before.Bytes, raw, 3*m.Rect.Dx()*m.Rect.Dy())
			if got := st.Bytes - before.Bytes; got > int64(raw)*2 {
				t.Errorf("%d colours: %d bytes, more than twice the packed indices (%d)", n, got, raw)
			}
		}
	})
}

// TestTwoColourTilesAreExact: a two-colour tile's bits, made in the pass
// that finds its colours, are the palette's indices whichever colour comes
// first (the palette goes in order of value), at widths with and without a
// partial last byte, lossy or not; they match what the general path packs,
// padding included; and a third colour anywhere, even in the row where the
// second appears, makes it a tile of three.
func TestTwoColourTilesAreExact(t *testing.T) {
	e := newTileEncoder()
	lo, hi, odd := uint32(0x102030), uint32(0xf0e0d0), uint32(0x102031)
	for _, w := range []int{64, 13, 1, 2, 9} {
		for _, first := range []uint32{lo, hi} {
			for _, lossy := range []bool{true, false} {
				const h = 5
				name := fmt.Sprintf("width %d, first %06x, lossy %v", w, first, lossy)
				rng := rand.New(rand.NewPCG(uint64(w), 3))
				second := lo ^ hi ^ first
				pix := make([]byte, 4*w*h)
				want := make([]uint32, w*h)
				for i := range want {
					want[i] = second
					if i == 0 || (i < len(want)-1 && rng.IntN(2) == 1) { // both colours, whatever the draw
						want[i] = first
					}
					binary.LittleEndian.PutUint32(pix[4*i:], want[i]|0xff000000) // the X byte set: not a colour
				}
				r := image.Rect(0, 0, w, h)
				if solid, photo := e.classify(pix, 4*w, r, lossy); solid || photo || !e.counted || len(e.pal) != 2 {
					t.Fatalf("%s: solid %v, photo %v, palette %x", name, solid, photo, e.pal)
				}
				if !e.palette(pix, 4*w, r) {
					t.Fatalf("%s: no palette for two colours", name)
				}
				bits := e.twoBits
				if len(bits) != h*paletteRowBytes(w, 1) {
					t.Fatalf("%s: %d bytes of indices, want %d", name, len(bits), h*paletteRowBytes(w, 1))
				}
				for i, c := range want {
					x, y := i%w, i/w
					bit := bits[y*paletteRowBytes(w, 1)+x/8] >> (7 - x%8) & 1
					if got := e.pal[bit]; got != c {
						t.Fatalf("%s, pixel (%d,%d): index %d is %06x, want %06x", name, x, y, bit, got, c)
					}
				}
				if general := e.appendIndices(nil, pix, 4*w, r, 1); !bytes.Equal(general, bits) {
					t.Fatalf("%s: the bits differ from the general path's (padding?):\n%x\n%x", name, bits, general)
				}
				for _, at := range []int{0, 1, w*h - 1, w - 1, w/2 + w*(h/2)} {
					p := slices.Clone(pix)
					binary.LittleEndian.PutUint32(p[4*at:], odd)
					e.classify(p, 4*w, r, lossy)
					if lossy && len(e.pal) != 3 || !lossy && e.counted {
						t.Errorf("%s, a third colour at pixel %d: palette %x (counted %v), want three colours", name, at, e.pal, e.counted)
					}
				}
			}
		}
	}
}

// TestGrabHoldUntilTheAck: with two updates unacknowledged the sender can
// send nothing, so GrabHold tells the capture loop to wait for an ack, and
// Acks receives when one comes.
func TestGrabHoldUntilTheAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc, vc := net.Pipe()
		s := NewSender(sc, sc)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		updates := make(chan uint64, 16)
		go func() { // the viewer: it reads, and acks only when told
			fr := framing.NewFrameReader(vc, MaxMessage)
			for {
				typ, body, err := fr.ReadFrame()
				if err != nil {
					return
				}
				if typ == MsgUpdate {
					seq, _ := binary.Uvarint(body)
					updates <- seq
				}
			}
		}()
		defer func() { cancel(); sc.Close(); vc.Close(); <-done }()
		set, err := json.Marshal(Settings{MaxFPS: 60, Quality: 80})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vc.Write(framing.AppendFrame(nil, MsgSettings, set)); err != nil {
			t.Fatal(err)
		}
		m := image.NewRGBA(image.Rect(0, 0, 128, 64))
		for i := range ackWindow {
			m.SetRGBA(i, 0, color.RGBA{255, 0, 0, 255})
			if err := s.Offer(toBGRX(m, image.Rect(0, 0, 128, 64))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second) // past MaxFPS
			synctest.Wait()
			if h, untilAck := s.GrabHold(time.Now()); untilAck || h != 0 {
				if i < ackWindow-1 {
					t.Fatalf("%d updates in flight: GrabHold %v, %v; want 0, false", i+1, h, untilAck)
				}
			}
		}
		if got := len(updates); got != ackWindow {
			t.Fatalf("%d updates sent without acks, want %d", got, ackWindow)
		}
		if _, untilAck := s.GrabHold(time.Now()); !untilAck {
			t.Fatalf("%d updates in flight: GrabHold does not wait for an ack", ackWindow)
		}
		select {
		case <-s.Acks():
			t.Fatal("Acks received before any ack")
		default:
		}
		seq := <-updates
		if _, err := vc.Write(framing.AppendFrame(nil, MsgAck, binary.AppendUvarint(nil, seq))); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case <-s.Acks():
		default:
			t.Fatal("an ack came, Acks did not receive")
		}
		if h, untilAck := s.GrabHold(time.Now()); untilAck || h != 0 {
			t.Errorf("after an ack: GrabHold %v, %v; want 0, false", h, untilAck)
		}
	})
}

// TestGrabHoldWhileTheFrameRateHolds: while MaxFPS holds a change back, the
// capture loop is told to grab only just before it may go; once it went, or
// with nothing held, at once.
func TestGrabHoldWhileTheFrameRateHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{MaxFPS: 5}, nil)
		defer p.stop()
		m := image.NewRGBA(image.Rect(0, 0, 256, 128))
		if err := p.s.Offer(toBGRX(m)); err != nil {
			t.Fatal(err)
		}
		v := waitView(t, p.r, newer(0))
		sent := time.Now()
		if h, _ := p.s.GrabHold(time.Now()); h != 0 {
			t.Fatalf("nothing held back: GrabHold %v, want 0", h)
		}
		m.SetRGBA(10, 10, color.RGBA{255, 0, 0, 255})
		if err := p.s.Offer(toBGRX(m, image.Rect(10, 10, 11, 11))); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the sender found the change and waits for MaxFPS
		want := sent.Add(200*time.Millisecond).Sub(time.Now()) - grabLead
		if h, _ := p.s.GrabHold(time.Now()); h != want {
			t.Fatalf("a change held back by MaxFPS 5: GrabHold %v, want %v", h, want)
		}
		v = waitView(t, p.r, newer(v.Version))
		if d := time.Since(sent); d < 200*time.Millisecond {
			t.Errorf("the change went after %v at 5 fps", d)
		}
		if h, _ := p.s.GrabHold(time.Now()); h != 0 {
			t.Errorf("after the change went: GrabHold %v, want 0", h)
		}
	})
}
