//go:build linux

package latency

import (
	"math/rand/v2"
	"testing"
)

// TestPalette: no pixel can match two palette colours, or a palette colour
// and the desktop's black or the xterm's white; each colour matches itself
// and anything within the tolerance.
func TestPalette(t *testing.T) {
	others := append([]Colour{{0, 0, 0}, {255, 255, 255}}, Palette...)
	for i, a := range Palette {
		if !Matches(a, a) {
			t.Errorf("%v does not match itself", a)
		}
		near := Colour{uint8(min(255, int(a.R)+Tolerance)), uint8(max(0, int(a.G)-Tolerance)), a.B}
		if !Matches(near, a) {
			t.Errorf("%v does not match %v, within ±%d", near, a, Tolerance)
		}
		for j, b := range others {
			if j >= 2 && j-2 == i {
				continue
			}
			// A pixel matching both exists iff every channel differs by ≤ 2*Tolerance.
			if abs(int(a.R)-int(b.R)) <= 2*Tolerance && abs(int(a.G)-int(b.G)) <= 2*Tolerance && abs(int(a.B)-int(b.B)) <= 2*Tolerance {
				t.Errorf("a pixel could match both %v and %v", a, b)
			}
		}
	}
	if Matches(Colour{220, 40, 101}, Colour{220, 40, 40}) {
		t.Error("61 off in one channel matched")
	}
}

func abs(x int) int { return max(x, -x) }

func TestNextColourChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prev := Palette[0]
	seen := map[Colour]bool{}
	for i := 0; i < 1000; i++ {
		c := NextColour(rng, prev)
		if c == prev {
			t.Fatalf("NextColour repeated %v", c)
		}
		seen[c] = true
		prev = c
	}
	if len(seen) != len(Palette) {
		t.Errorf("used %d of %d colours", len(seen), len(Palette))
	}
}

func TestPixelFormat(t *testing.T) {
	rgb888 := pixelFormat{0xff0000, 0x00ff00, 0x0000ff}
	c := Colour{0x12, 0x34, 0x56}
	if px := rgb888.pixel(c); px != 0x123456 {
		t.Errorf("pixel = %#x, want 0x123456", px)
	}
	if got := rgb888.colour(0xff123456); got != c {
		t.Errorf("colour = %v, want %v", got, c)
	}
	rgb565 := pixelFormat{0xf800, 0x07e0, 0x001f}
	if got := rgb565.colour(rgb565.pixel(Colour{0xf8, 0xfc, 0xf8})); got != (Colour{0xf8, 0xfc, 0xf8}) {
		t.Errorf("rgb565 round trip = %v", got)
	}
}

func TestSessionBytesSent(t *testing.T) {
	out := "0      0      127.0.0.1:39961 127.0.0.1:42749 users:((\"ra-p2p\",pid=7227,fd=13))\n" +
		"\t bbr wscale:10,10 rto:204 bytes_sent:8074109 bytes_acked:8074109 bytes_received:4321 segs_out:257\n" +
		"0      0      127.0.0.1:39961 127.0.0.1:36283 users:((\"ra-p2p\",pid=7227,fd=12))\n" +
		"\t bbr wscale:10,10 rto:208 bytes_sent:2579 bytes_acked:2580 bytes_received:2243\n" +
		"0      0      127.0.0.1:42749 127.0.0.1:39961 users:((\"ra-p2p\",pid=9485,fd=13))\n" +
		"\t bbr wscale:10,10 rto:212 bytes_sent:4321 bytes_acked:4322 bytes_received:8074109\n" +
		"0      0      127.0.0.1:42749 127.0.0.1:36283 users:((\"ra-p2p\",pid=9485,fd=12))\n" +
		"\t bbr wscale:10,10 rto:204 bytes_acked:1 bytes_received:1752\n"
	socks := parseSS(out)
	if len(socks) != 4 || socks[3].bytesSent != 0 || socks[1].bytesSent != 2579 {
		t.Fatalf("parseSS = %+v", socks)
	}
	if sum, n := sessionBytesSent(socks, []int{7227}, 9485); sum != 8074109 || n != 1 {
		t.Errorf("novice → helper = %d bytes on %d sockets, want 8074109 on 1", sum, n)
	}
	if sum, n := sessionBytesSent(socks, []int{9485}, 7227); sum != 4321 || n != 1 {
		t.Errorf("helper → novice = %d bytes on %d sockets, want 4321 on 1", sum, n)
	}
}
