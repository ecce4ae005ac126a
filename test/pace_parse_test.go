//go:build linux

package test

import "testing"

// TestParsePace reads the novice's once-a-second sender lines as slog
// writes them, with Automatic's state quoted (words) or not (one word),
// and the grab counters after it.
func TestParsePace(t *testing.T) {
	out := `time=2026-12-05T22:01:31.704Z level=DEBUG msg="screen sender" kbit_s=2346 updates=16 jpeg_tiles=2 lossless_tiles=1032 auto_kbit_s=91977 auto_cuts=5 auto_quality=80 auto_fps=60 auto="fast link: full quality" grabs=185 grab_ms=3.35 encode_ms=1.48
time=2026-12-05T22:01:32.704Z level=DEBUG msg="screen sender" kbit_s=12 updates=1 jpeg_tiles=0 lossless_tiles=3 auto_kbit_s=0 auto_cuts=0 auto_quality=0 auto_fps=0 auto="" grabs=50 grab_ms=0.2 encode_ms=0.1
time=2026-12-05T22:01:33.704Z level=DEBUG msg="screen sender" kbit_s=900 updates=7 jpeg_tiles=0 lossless_tiles=40 auto_kbit_s=1500 auto_cuts=9 auto_quality=40 auto_fps=15 auto=probing grabs=12 grab_ms=1 encode_ms=2
`
	ps := parsePace(out)
	if len(ps) != 3 {
		t.Fatalf("parsed %d lines, want 3: %+v", len(ps), ps)
	}
	if p := ps[0]; p.sent != 2346 || p.updates != 16 || p.jpeg != 2 || p.lossless != 1032 || p.pace != 91977 || p.cuts != 5 || p.quality != 80 || p.state != "fast link: full quality" {
		t.Errorf("first line: %+v", p)
	}
	if ps[1].state != "" || ps[1].sent != 12 {
		t.Errorf("second line (Automatic off): %+v", ps[1])
	}
	if ps[2].state != "probing" || ps[2].cuts != 9 {
		t.Errorf("third line (a one-word state): %+v", ps[2])
	}
}
