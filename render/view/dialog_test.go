package view

import (
	"image"
	"testing"
)

// TestDialogFitsTheWindow: whatever the window's size and however much the
// content asks for, the dialog lies inside the window with its margins, is
// never wider than DialogMaxWidth, and gets the height it asked for when
// the window has it.
func TestDialogFitsTheWindow(t *testing.T) {
	for _, win := range []image.Point{{340, 480}, {420, 640}, {1280, 800}, {341, 300}, {2000, 1200}, {100, 100}} {
		for _, wantH := range []int{80, 200, 460, 900, 5000} {
			want := image.Pt(DialogWidth(win.X), wantH)
			r := PlaceDialog(win, want)
			inner := image.Rect(DialogMargin, DialogMargin, win.X-DialogMargin, win.Y-DialogMargin)
			if !r.In(inner) {
				t.Errorf("window %v, content %v: dialog %v is not inside %v", win, want, r, inner)
			}
			if r.Dx() > DialogMaxWidth {
				t.Errorf("window %v: dialog %d px wide, more than %d", win, r.Dx(), DialogMaxWidth)
			}
			if wantH <= win.Y-2*DialogMargin && r.Dy() != wantH {
				t.Errorf("window %v: dialog %d px high, want %d (it fits)", win, r.Dy(), wantH)
			}
		}
	}
}

// TestDialogWrapsToTheNoviceWindow: the 420-px novice window of issue 10
// (a dialog at least 420 px wide, text wrapped at 440 px) gets a dialog
// narrower than the window, and a big window a readable line length.
func TestDialogWrapsToTheNoviceWindow(t *testing.T) {
	cases := map[string]struct{ win, want int }{
		"the novice's 420-px window":  {420, 400},
		"the novice's minimum 340 px": {340, 320},
		"a big window":                {1280, DialogMaxWidth},
	}
	for name, c := range cases {
		if got := DialogWidth(c.win); got != c.want {
			t.Errorf("%s: DialogWidth(%d) = %d, want %d", name, c.win, got, c.want)
		}
	}
	if r := PlaceDialog(image.Pt(420, 640), image.Pt(400, 150)); r != image.Rect(10, 163, 410, 313) {
		t.Errorf("a short dialog in the novice window is at %v, want centred across, a third down", r)
	}
}

// TestDialogInATinyWindow: a window smaller than the margins still gets
// the dialog inside it.
func TestDialogInATinyWindow(t *testing.T) {
	r := PlaceDialog(image.Pt(15, 12), image.Pt(300, 300))
	if !r.In(image.Rect(0, 0, 15, 12)) || r.Empty() {
		t.Errorf("dialog %v in a 15x12 window", r)
	}
}

// TestColumns: options stand in one line when they fit, else in even
// lines, one under the other at worst.
func TestColumns(t *testing.T) {
	cases := map[string]struct{ n, widest, width, want int }{
		"four that fit":             {4, 80, 360, 4},
		"four that do not: 2 and 2": {4, 120, 360, 2},
		"three that fit":            {3, 100, 320, 3},
		"five in room for four":     {5, 80, 350, 3},
		"one wider than the row":    {3, 500, 300, 1},
		"none":                      {0, 80, 300, 1},
	}
	for name, c := range cases {
		if got := Columns(c.n, c.widest, 6, c.width); got != c.want {
			t.Errorf("%s: Columns(%d, %d, 6, %d) = %d, want %d", name, c.n, c.widest, c.width, got, c.want)
		}
	}
}
