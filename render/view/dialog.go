package view

import "image"

// The dialog's geometry, in window pixels.
const (
	// DialogMaxWidth is the widest a dialog gets: lines of ~60 characters,
	// easy to read in a big window.
	DialogMaxWidth = 480
	// DialogMargin is kept free between a dialog and the window's edges.
	DialogMargin = 10
)

// DialogWidth is how wide a dialog is in a window win pixels wide: at most
// DialogMaxWidth, and never wider than the window less its margins, so its
// text wraps to the window it is in (a 340-px novice window included).
func DialogWidth(win int) int {
	return max(1, min(DialogMaxWidth, win-2*DialogMargin))
}

// DialogMaxHeight is the tallest a dialog may be in a window win pixels
// high; a taller content scrolls.
func DialogMaxHeight(win int) int {
	return max(1, win-2*DialogMargin)
}

// PlaceDialog puts a dialog of size want (its width from DialogWidth, its
// height what its content asks for) in a window of size win: centred
// across, its top at a third of the free height (where the eye is), and
// clipped to the window less its margins. The caller makes the content
// scroll when the height it gets is less than it wanted.
func PlaceDialog(win, want image.Point) image.Rectangle {
	w := min(want.X, DialogWidth(win.X))
	h := min(want.Y, DialogMaxHeight(win.Y))
	x := max(DialogMargin, (win.X-w)/2)
	y := max(DialogMargin, (win.Y-h)/3)
	// A window smaller than the margins themselves: start at the corner.
	if x+w > win.X {
		x = max(0, win.X-w)
	}
	if y+h > win.Y {
		y = max(0, win.Y-h)
	}
	return image.Rect(x, y, x+w, y+h)
}

// Columns is how many of n buttons, each widest pixels wide at most, stand
// side by side in a row width pixels wide with gap pixels between them:
// all n when they fit, else as many as fit with the lines evened out (four
// that do not fit stand two and two, not three and one), at least one.
func Columns(n, widest, gap, width int) int {
	cols := max(n, 1)
	for cols > 1 && cols*widest+(cols-1)*gap > width {
		cols--
	}
	lines := (n + cols - 1) / cols
	return max(1, (n+lines-1)/max(lines, 1))
}
