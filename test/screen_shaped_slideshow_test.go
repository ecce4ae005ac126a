//go:build linux

package test

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/latency"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// The slideshow workload of BenchmarkScreenShaped: a photoW×photoH window
// at the novice screen's origin showing a new photo every photoEvery. The
// photos are crops of the photo in stream/screen/testdata's desktop
// screenshot, each flipped and with its colour channels swapped its own
// way, so that no two share a tile. Each carries five marks (corners and
// middle, 32x32, on the JPEG block grid) in palette colours: the corners
// one colour, the middle another, together the photo's number modulo 36
// (18 s of photos). The viewer's display shows a photo when the four
// corners show its colour and the middle its other.
const (
	photoW, photoH = 640, 400
	photoEvery     = 500 * time.Millisecond
	markSize       = 32
)

// photoRegion is the photograph in desktop-1920x1080.png (its frame left out).
var photoRegion = image.Rect(1086, 206, 1878, 798)

// marks are the marks' top-left corners in a photo.
var marks = []image.Point{{16, 16}, {photoW - 16 - markSize, 16}, {16, photoH - 16 - markSize},
	{photoW - 16 - markSize, photoH - 16 - markSize}, {photoW/2 - markSize/2, photoH/2 - markSize/2}}

// photoMarks are the marks' colours of photo k: the corners', the middle's.
func photoMarks(k int) (corners, middle latency.Colour) {
	n := len(latency.Palette)
	return latency.Palette[k%n], latency.Palette[(k/n)%n]
}

// photoID is the photo number modulo 36 that marks show, or -1.
func photoID(corners, middle latency.Colour) int {
	n := len(latency.Palette)
	ci, mi := -1, -1
	for i, p := range latency.Palette {
		if latency.Matches(corners, p) {
			ci = i
		}
		if latency.Matches(middle, p) {
			mi = i
		}
	}
	if ci < 0 || mi < 0 {
		return -1
	}
	return ci + n*mi
}

// slideshow shows the photos on the novice's display until the benchmark ends.
type slideshow struct {
	mu   sync.Mutex
	puts []time.Time // when photo k (of the whole run) was on the display
}

func startSlideshow(b *testing.B, nd *xdisplay.Display) *slideshow {
	b.Helper()
	f, err := os.Open("../stream/screen/testdata/desktop-1920x1080.png")
	if err != nil {
		b.Fatal(err)
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	// As many distinct photos as the marks tell apart, shown in turn.
	photos := make([]*image.RGBA, len(latency.Palette)*len(latency.Palette))
	for k := range photos {
		photos[k] = photo(src, k)
	}
	iw := nd.NewImageWindow(photoW, photoH)
	iw.Put(photos[0])
	s := &slideshow{puts: []time.Time{time.Now()}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(photoEvery)
		defer tick.Stop()
		for k := 1; ; k++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			iw.Put(photos[k%len(photos)])
			s.mu.Lock()
			s.puts = append(s.puts, time.Now())
			s.mu.Unlock()
		}
	})
	b.Cleanup(func() { close(stop); wg.Wait() }) // before the window's own cleanup
	return s
}

// photo is the k-th photo: a crop of the photograph at its own offset,
// flipped and with its channels permuted by k, and the marks.
func photo(src image.Image, k int) *image.RGBA {
	ox := photoRegion.Min.X + (k*53)%(photoRegion.Dx()-photoW)
	oy := photoRegion.Min.Y + (k*71)%(photoRegion.Dy()-photoH)
	perms := [][3]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}}
	perm := perms[(k/4)%len(perms)]
	img := image.NewRGBA(image.Rect(0, 0, photoW, photoH))
	for y := range photoH {
		for x := range photoW {
			sx, sy := x, y
			if k&1 != 0 {
				sx = photoW - 1 - x
			}
			if k&2 != 0 {
				sy = photoH - 1 - y
			}
			r, g, bl, _ := src.At(ox+sx, oy+sy).RGBA()
			c := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c[perm[0]], c[perm[1]], c[perm[2]], 255
		}
	}
	corners, middle := photoMarks(k)
	for i, m := range marks {
		c := corners
		if i == len(marks)-1 {
			c = middle
		}
		draw.Draw(img, image.Rect(m.X, m.Y, m.X+markSize, m.Y+markSize),
			image.NewUniform(color.RGBA{c.R, c.G, c.B, 255}), image.Point{}, draw.Src)
	}
	return img
}

// frameSeen is a photo the viewer's display showed whole.
type frameSeen struct {
	k     int       // which photo of the run
	at    time.Time // first seen whole
	delay time.Duration
}

// frameWatch reads the marks on the viewer's display every 10 ms.
type frameWatch struct {
	once  sync.Once
	stopc chan struct{}
	wg    sync.WaitGroup
	seen  []frameSeen
	err   error
}

func (s *slideshow) watch(b *testing.B, display string) *frameWatch {
	r, err := latency.NewPixelReader(display)
	if err != nil {
		b.Fatal(err)
	}
	fw := &frameWatch{stopc: make(chan struct{})}
	b.Cleanup(func() { fw.stop() }) // when the benchmark fails before stop
	fw.wg.Go(func() {
		defer r.Close()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		last := -1
		for {
			select {
			case <-fw.stopc:
				return
			case <-tick.C:
			}
			var got [5]latency.Colour
			var err error
			for i, m := range marks {
				if got[i], err = r.At(m.X+markSize/2, m.Y+markSize/2); err != nil {
					fw.err = err
					return
				}
			}
			whole := true
			for _, c := range got[1:4] {
				whole = whole && latency.Matches(c, got[0])
			}
			id := photoID(got[0], got[4])
			if !whole || id < 0 {
				continue
			}
			now := time.Now()
			// The newest photo put so far with that number.
			n := len(latency.Palette) * len(latency.Palette)
			s.mu.Lock()
			k := len(s.puts) - 1
			for k >= 0 && k%n != id {
				k--
			}
			var put time.Time
			if k >= 0 {
				put = s.puts[k]
			}
			s.mu.Unlock()
			if k > last {
				fw.seen = append(fw.seen, frameSeen{k: k, at: now, delay: now.Sub(put)})
				last = k
			}
		}
	})
	return fw
}

func (fw *frameWatch) stop() ([]frameSeen, error) {
	fw.once.Do(func() { close(fw.stopc) })
	fw.wg.Wait()
	return fw.seen, fw.err
}
