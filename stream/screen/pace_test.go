package screen

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// linkConn is one direction of a path with a bottleneck: bytes leave at
// rate (bytes a second) after the ones before them, arrive delay later,
// and a writer waits while more than buffer bytes are queued (a socket's
// send buffer). Meant for synctest, where its sleeps take no real time.
type linkConn struct {
	rate   float64
	delay  time.Duration
	buffer int

	mu       sync.Mutex
	queued   int
	lastOut  time.Time
	chunks   chan linkChunk
	leftover []byte
	closed   chan struct{}
	once     sync.Once
}

type linkChunk struct {
	b      []byte
	arrive time.Time
}

func newLinkConn(rate float64, delay time.Duration, buffer int) *linkConn {
	return &linkConn{rate: rate, delay: delay, buffer: buffer, chunks: make(chan linkChunk, 1<<16), closed: make(chan struct{})}
}

func (c *linkConn) Write(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.queued <= c.buffer {
			break
		}
		c.mu.Unlock()
		select {
		case <-c.closed:
			return 0, net.ErrClosed
		case <-time.After(time.Millisecond):
		}
	}
	out := time.Now()
	if c.lastOut.After(out) {
		out = c.lastOut
	}
	out = out.Add(time.Duration(float64(len(b)) / c.rate * float64(time.Second)))
	c.lastOut = out
	c.queued += len(b)
	c.mu.Unlock()
	select {
	case c.chunks <- linkChunk{slices.Clone(b), out.Add(c.delay)}:
		return len(b), nil
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

func (c *linkConn) Read(b []byte) (int, error) {
	if len(c.leftover) == 0 {
		var ch linkChunk
		select {
		case ch = <-c.chunks:
		case <-c.closed:
			return 0, io.EOF
		}
		select {
		case <-time.After(time.Until(ch.arrive)):
		case <-c.closed:
			return 0, io.EOF
		}
		c.mu.Lock()
		c.queued -= len(ch.b)
		c.mu.Unlock()
		c.leftover = ch.b
	}
	n := copy(b, c.leftover)
	c.leftover = c.leftover[n:]
	return n, nil
}

func (c *linkConn) close() { c.once.Do(func() { close(c.closed) }) }

// autoRun is one run of TestScreenAutomatic: a 1280x800 screen whose
// 480x320 "video" changes 60 times a second over a link of rate bytes a
// second and 20 ms each way, while a small square elsewhere changes every
// half second; it returns how long each change of the square took to
// reach the viewer, in order.
func autoRun(t *testing.T, set Settings, rate float64, seconds int) (probe []time.Duration, st Stats) {
	synctest.Test(t, func(t *testing.T) {
		down := newLinkConn(rate, 20*time.Millisecond, 256<<10)
		up := newLinkConn(1e9, 20*time.Millisecond, 1<<20)
		s := NewSender(down, up)
		s.SetPathRTT(func() time.Duration { return 40 * time.Millisecond }) // what QUIC would say
		r := NewReceiver(down, up)
		r.SetSettings(set)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { s.Run(ctx) })
		wg.Go(func() { r.Run(ctx) })
		defer func() { cancel(); down.close(); up.close(); wg.Wait() }()

		m := screenshot(t, "xterm-1280x800.png")
		photo := screenshot(t, "desktop-1920x1080.png")
		frame := toBGRX(m)
		s.Offer(frame)
		waitView(t, r, newer(0))
		video := image.Rect(700, 60, 1180, 380)
		square := image.Rect(1200, 700, 1232, 732)
		start := time.Now()
		next := start
		for i := 0; time.Since(start) < time.Duration(seconds)*time.Second; i++ {
			off := image.Pt(1000+(i*7)%400, 300+(i*3)%200)
			draw.Draw(m, video, photo, off, draw.Src)
			putBGRX(frame, m, video)
			frame.Dirty = []image.Rectangle{video}
			if !time.Now().Before(next) {
				c := color.RGBA{uint8(40 + i%200), uint8(i * 7), 200, 255}
				draw.Draw(m, square, image.NewUniform(c), image.Point{}, draw.Src)
				putBGRX(frame, m, square)
				frame.Dirty = append(frame.Dirty, square)
				s.Offer(frame)
				shown := time.Now()
				want := [3]byte{c.R, c.G, c.B}
				for {
					var got [3]byte
					r.WithLatest(func(v desktop.View) { got = [3]byte(v.Image.Pix[v.Image.PixOffset(1216, 716):]) })
					if got == want {
						break
					}
					select {
					case <-r.Updated():
					case <-time.After(16 * time.Millisecond):
						// the video goes on while the square is on its way
						i++
						off := image.Pt(1000+(i*7)%400, 300+(i*3)%200)
						draw.Draw(m, video, photo, off, draw.Src)
						putBGRX(frame, m, video)
						frame.Dirty = []image.Rectangle{video}
						s.Offer(frame)
					}
				}
				probe = append(probe, time.Since(shown))
				next = shown.Add(500 * time.Millisecond)
				continue
			}
			s.Offer(frame)
			time.Sleep(16 * time.Millisecond)
		}
		st = s.Stats()
	})
	return probe, st
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestScreenAutomatic: on a 2 Mbit/s path with 40 ms of round trip, a
// change beside a video reaches the viewer within 2 round trips and 100
// ms with Automatic, and the delay does not grow (the last ten changes
// are no slower than the ten after the first five seconds); the fixed
// settings queue behind the video instead. On 0.5 Mbit/s the screen
// stays usable (≤ 1 s).
func TestScreenAutomatic(t *testing.T) {
	const rtt = 40 * time.Millisecond
	for _, tt := range []struct {
		name  string
		rate  float64
		limit time.Duration
	}{
		{"2 Mbit/s", 2e6 / 8, 2*rtt + 100*time.Millisecond},
		{"0.5 Mbit/s", 0.5e6 / 8, time.Second},
	} {
		probe, st := autoRun(t, Settings{Auto: true}, tt.rate, 30)
		fixed, fst := autoRun(t, Settings{}, tt.rate, 15)
		late := probe[10:]
		first, last := median(late[:10]), median(late[len(late)-10:])
		t.Logf("%s: Automatic: square median %v after 5 s, %v at the end (max %v), %d updates, %.2f Mbit/s, pace %.2f Mbit/s, %d cuts (%s); fixed settings: median %v, %d updates",
			tt.name, first, last, slices.Max(late), st.Updates, float64(st.Bytes)*8/30/1e6, st.AutoRate*8/1e6, st.AutoCuts, st.AutoState, median(fixed[5:]), fst.Updates)
		if m := median(late); m > tt.limit {
			t.Errorf("%s: the square took %v (median) with Automatic, want ≤ %v", tt.name, m, tt.limit)
		}
		if last > first+50*time.Millisecond {
			t.Errorf("%s: the delay grows: %v after 5 s, %v at the end", tt.name, first, last)
		}
	}
}

// TestScreenTopOff: with Automatic, photo-like parts go as JPEG while the
// screen changes; once it has been still a moment they are sent again
// without loss, and the viewer's image is exact.
func TestScreenTopOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newScreenPair(t, Settings{Auto: true}, nil)
		defer p.stop()
		m := screenshot(t, "desktop-1920x1080.png")
		if err := p.s.Offer(toBGRX(m)); err != nil {
			t.Fatal(err)
		}
		v := waitView(t, p.r, newer(0))
		first := p.s.Stats()
		if first.TilesJPEG == 0 {
			t.Fatal("the desktop's photo went without JPEG: nothing to top off")
		}
		if got := psnr(v.Image, m, m.Rect); got == 99 || got < 30 {
			t.Fatalf("after the first update: PSNR %.1f dB, want lossy (JPEG) but close", got)
		}
		time.Sleep(topOffAfter / 2)
		synctest.Wait()
		if st := p.s.Stats(); st.Updates != first.Updates {
			t.Fatalf("%d updates before the screen was still for %v: %+v then %+v", st.Updates-first.Updates, topOffAfter, first, st)
		}
		v = waitView(t, p.r, func(v desktop.View) bool { return psnr(v.Image, m, m.Rect) == 99 })
		st := p.s.Stats()
		t.Logf("top-off: %d more updates, %d lossless tiles, %d bytes (the first update %d bytes)",
			st.Updates-first.Updates, st.TilesLossless-first.TilesLossless, st.Bytes-first.Bytes, first.Bytes)
		if st.TilesJPEG != first.TilesJPEG {
			t.Errorf("the top-off sent %d JPEG tiles", st.TilesJPEG-first.TilesJPEG)
		}
		time.Sleep(2 * topOffAfter)
		synctest.Wait()
		if again := p.s.Stats(); again.Updates != st.Updates {
			t.Errorf("%d more updates after the top-off on a still screen", again.Updates-st.Updates)
		}

		// The viewer knows what Automatic does (the connection line).
		time.Sleep(paceReportEvery)
		p.s.Offer(toBGRX(m, image.Rect(0, 0, 8, 8))) // something to carry it
		synctest.Wait()
		link := p.r.Link()
		if link.Pace.Kbps <= 0 || link.Pace.Quality <= 0 || link.Pace.FPS <= 0 || link.Pace.State() == "" {
			t.Errorf("the viewer was told no pace: %+v", link.Pace)
		}
		if sent := p.s.Stats(); link.Updates != sent.Updates || link.Bytes < sent.Bytes*9/10 {
			t.Errorf("the viewer counted %d updates and %d bytes, the sender %d and %d", link.Updates, link.Bytes, sent.Updates, sent.Bytes)
		}
		t.Logf("link: %+v (%s)", link, link.Pace.State())
	})
}

// TestPaceRegrowsByTime: once the path is fast again, the pace climbs
// from 0.5 to 8 Mbit/s (photo quality back to full) within 2.5 s whether
// updates come back 5 or 50 times a second, and at least 5 % an ack.
func TestPaceRegrowsByTime(t *testing.T) {
	for _, perSecond := range []int{5, 10, 50} {
		p := newPacer()
		p.rate = 0.5e6 / 8
		start := time.Unix(1000, 0)
		gap := time.Second / time.Duration(perSecond)
		const rtt = 40 * time.Millisecond
		var reached time.Duration
		for seq := uint64(0); reached == 0 && seq < 1000; seq++ {
			at := start.Add(time.Duration(seq) * gap)
			p.sent(seq, at, 200, 1)
			p.heldBack(at) // the sender had more: growth has evidence
			before := p.rate
			p.acked(seq, at.Add(rtt))
			if p.rate < before*1.05*0.999 {
				t.Fatalf("%d acks/s: ack %d grew the pace %.3f×, want at least 1.05×", perSecond, seq, p.rate/before)
			}
			if q, _ := p.choose(); q == 80 {
				reached = at.Add(rtt).Sub(start)
			}
		}
		t.Logf("%d acks/s: full quality after %v", perSecond, reached)
		if reached == 0 || reached > 2500*time.Millisecond {
			t.Errorf("%d acks/s: full photo quality after %v, want within 2.5 s", perSecond, reached)
		}
	}
}
