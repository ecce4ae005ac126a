//go:build linux

// Package pipeline benchmarks the novice's half of the screen path on a
// real 1920x1080 Xvfb: capture (XShm grab + tile diff) and encode (the
// screen sender), with a real receiver decoding on the other end of a pipe.
// Targets (issue 3): ≥ 60 fps for typing/scrolling, ≥ 30 fps for a
// full-screen change, on this 2-core machine.
package pipeline

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"net"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/capture"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/stream/screen"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

func BenchmarkCaptureEncode1080p(b *testing.B) {
	d := xdisplay.Start(b, 1920, 1080)
	workloads := []struct {
		name   string
		target float64
		setup  func(b *testing.B) (change func(i int))
	}{
		{"scrolling text", 60, func(b *testing.B) func(int) {
			d.Start("xterm", "-geometry", "240x70+0+0", "-e", "sh", "-c",
				"while :; do head -c 2250 /dev/urandom | base64 -w 120; sleep 0.01; done")
			d.WaitWindowClass("XTerm", 10*time.Second)
			return func(int) { time.Sleep(2 * time.Millisecond) } // the xterm changes by itself
		}},
		{"full-screen change", 30, func(b *testing.B) func(int) {
			imgs := []*image.RGBA{pattern(1920, 1080, 0), pattern(1920, 1080, 1)}
			win := d.NewImageWindow(1920, 1080)
			return func(i int) { win.Put(imgs[i%2]) }
		}},
	}
	for _, wl := range workloads {
		b.Run(wl.name, func(b *testing.B) {
			change := wl.setup(b)
			g, err := capture.Open(d.Name, capture.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			a, c := net.Pipe()
			snd := screen.NewSender(a, a)
			rcv := screen.NewReceiver(c, c)
			// The encoder's capacity is measured: no busy-region budget
			// (a viewer on a fast link may ask for this much).
			rcv.SetSettings(screen.Settings{BusyKbps: 10_000_000})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{}, 2)
			go func() { snd.Run(ctx); done <- struct{}{} }()
			go func() { rcv.Run(ctx); done <- struct{}{} }()
			defer func() { cancel(); a.Close(); c.Close(); <-done; <-done }()

			const frames = 200
			var grab time.Duration
			start := time.Now()
			for i := 0; i < frames; i++ {
				change(i)
				t0 := time.Now()
				f, err := g.Grab()
				if err != nil {
					b.Fatal(err)
				}
				grab += time.Since(t0)
				if err := snd.Offer(desktop.Frame{Width: f.Width, Height: f.Height, Stride: f.Stride, Pix: f.Pix, Dirty: f.Dirty}); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(200 * time.Millisecond) // let the last update go out
			wall := time.Since(start)
			st := snd.Stats()
			if st.Updates == 0 {
				b.Fatal("nothing was sent")
			}
			grabMs := float64(grab.Microseconds()) / 1000 / frames
			encMs := float64(st.EncodeTime.Microseconds()) / 1000 / float64(st.Updates)
			fps := 1000 / (grabMs + encMs)
			b.ReportMetric(grabMs, "grab-ms")
			b.ReportMetric(encMs, "encode-ms/update")
			b.ReportMetric(fps, "capture+encode-fps")
			b.ReportMetric(float64(st.Bytes)/float64(st.Updates), "bytes/update")
			fmt.Printf("BENCHROW| 1080p capture + encode, %s | %.1f fps (grab %.2f ms + encode %.2f ms per update; %d updates in %.1f s, %.0f B each) | ≥ %.0f fps | %s |\n",
				wl.name, fps, grabMs, encMs, st.Updates, wall.Seconds(), float64(st.Bytes)/float64(st.Updates), wl.target, verdict(fps >= wl.target))
		})
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// pattern is a full-screen picture that differs everywhere between variants.
func pattern(w, h, variant int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x + y + variant*97) & 0xff)
			if (x/16+y/16+variant)%2 == 0 {
				img.SetRGBA(x, y, color.RGBA{v, 255 - v, uint8(x), 255})
			} else {
				img.SetRGBA(x, y, color.RGBA{uint8(y), v, 200, 255})
			}
		}
	}
	return img
}
