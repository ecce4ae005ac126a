package view

import (
	"image"
	"testing"
)

func TestFitLetterboxes(t *testing.T) {
	v := View{Mode: Fit, Pane: image.Rect(320, 0, 1280, 800), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080)}
	scale, off := v.Transform()
	if scale != 0.5 {
		t.Fatalf("scale %v, want 0.5", scale)
	}
	// 960x540 centred vertically in an 960x800 pane.
	if off != image.Pt(320, 130) {
		t.Fatalf("offset %v, want (320,130)", off)
	}
	if d := v.Drawn(); d != image.Rect(320, 130, 1280, 670) {
		t.Fatalf("drawn %v", d)
	}
}

func TestFitNeverScalesUp(t *testing.T) {
	v := View{Mode: Fit, Pane: image.Rect(0, 0, 2000, 1000), Image: image.Pt(800, 600), Remote: image.Pt(800, 600)}
	if scale, off := v.Transform(); scale != 1 || off != image.Pt(600, 200) {
		t.Fatalf("scale %v offset %v, want 1 and centred (600,200)", scale, off)
	}
}

// TestViewToRemoteInvertsTransform: every remote pixel drawn at a window
// pixel maps back to itself (±1 px) at 100%, 50% and with a sender-scaled image.
func TestViewToRemoteInvertsTransform(t *testing.T) {
	cases := map[string]View{
		"100% fit":          {Mode: Fit, Pane: image.Rect(300, 10, 1700, 1100), Image: image.Pt(1280, 800), Remote: image.Pt(1280, 800)},
		"50% fit":           {Mode: Fit, Pane: image.Rect(320, 0, 1280, 800), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080)},
		"sender scaled 50%": {Mode: Fit, Pane: image.Rect(320, 0, 1280, 800), Image: image.Pt(960, 540), Remote: image.Pt(1920, 1080)},
		"actual, scrolled":  {Mode: Actual, Pane: image.Rect(320, 0, 1280, 800), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080), Scroll: image.Pt(500, 100)},
		"full window (F11)": {Mode: Full, Window: image.Pt(1920, 1080), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080)},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			scale, off := v.Transform()
			imgPerRemote := float64(v.Image.X) / float64(v.Remote.X)
			for _, rp := range []image.Point{{0, 0}, {7, 13}, {v.Remote.X / 2, v.Remote.Y / 3}, {v.Remote.X - 1, v.Remote.Y - 1}, {1000, 700}} {
				// Where the remote pixel's centre lands in the window.
				wx := off.X + int((float64(rp.X)+0.5)*imgPerRemote*scale)
				wy := off.Y + int((float64(rp.Y)+0.5)*imgPerRemote*scale)
				got, ok := v.ToRemote(image.Pt(wx, wy))
				if !image.Pt(wx, wy).In(v.Drawn()) {
					if ok {
						t.Errorf("%v: window (%d,%d) is outside the drawn image but mapped", rp, wx, wy)
					}
					continue
				}
				tol := int(1/(imgPerRemote*scale)+0.5) + 1
				if !ok || abs(got.X-rp.X) > tol || abs(got.Y-rp.Y) > tol {
					t.Errorf("remote %v drawn at (%d,%d) maps back to %v (ok=%v), tolerance %d", rp, wx, wy, got, ok, tol)
				}
			}
		})
	}
}

func TestViewOutsideImageIsNotRemote(t *testing.T) {
	v := View{Mode: Fit, Pane: image.Rect(320, 0, 1280, 800), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080)}
	for _, p := range []image.Point{{10, 10}, {500, 50}, {500, 700}, {1300, 300}} {
		if _, ok := v.ToRemote(p); ok {
			t.Errorf("window point %v (left pane or letterbox) maps to the remote screen", p)
		}
	}
}

func TestViewScrollClamps(t *testing.T) {
	v := View{Mode: Actual, Pane: image.Rect(0, 0, 800, 600), Image: image.Pt(1920, 1080), Remote: image.Pt(1920, 1080)}
	v.ScrollBy(image.Pt(-50, -50))
	if v.Scroll != (image.Point{}) {
		t.Errorf("scroll %v, want (0,0)", v.Scroll)
	}
	v.ScrollBy(image.Pt(5000, 5000))
	if v.Scroll != image.Pt(1120, 480) {
		t.Errorf("scroll %v, want (1120,480)", v.Scroll)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
