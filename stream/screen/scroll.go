package screen

import (
	"bytes"
	"hash/maphash"
	"image"
)

// Scroll detection. Scrolling moves most of a region by a few rows; sent as
// tiles, every moved tile is new. The sender instead finds the row shift dy
// that turns what the viewer has (staging) into the new canvas over the
// dirty region, and sends "move these rows by dy" (a copy, flag bit 2 of an
// update's first part) before the tiles that still differ: typically the
// newly exposed rows. Only for unscaled images (a scaled shift is not a whole
// number of rows) and viewers that said they apply copies (Settings.Copy).

// rowCopy moves the rows of rect: after it, image row y (rect.Min.Y ≤ y <
// rect.Max.Y) holds, over [rect.Min.X, rect.Max.X), what row y-dy held.
type rowCopy struct {
	rect image.Rectangle
	dy   int
}

const (
	scrollMinRows       = 64 // a band shorter than a tile is not worth a copy
	scrollMinTiles      = 8  // dirty tiles below this: typing, not scrolling
	scrollSkipAfterMiss = 3  // large updates not searched after one that was no scroll
)

var scrollSeed = maphash.MakeSeed()

// rowDigest hashes samples of a row of pixels: rowSamples runs of
// rowSampleBytes spread over its width, or all of a narrow row. Rows with
// the same digest are only candidates (detectScroll compares them byte for
// byte), so a digest may miss a difference, which costs at most a copy not
// found. Hashing whole rows was most of the detection's time: the xterm
// scrolled over a 1280x800 screen took 1.25 ms, now 0.25
// (BenchmarkDetectScroll); the pixel rows of a line of text still differ
// in what the samples see.
func rowDigest(row []byte) uint64 {
	if len(row) <= rowSamples*rowSampleBytes {
		return maphash.Bytes(scrollSeed, row)
	}
	var h uint64
	step := (len(row) / rowSamples) &^ 3 // whole pixels
	for k := range rowSamples {
		at := k*step + (step-rowSampleBytes)/2&^3
		h = h*0x9e3779b97f4a7c15 ^ maphash.Bytes(scrollSeed, row[at:at+rowSampleBytes])
	}
	return h
}

const (
	rowSamples     = 4
	rowSampleBytes = 80 // 20 pixels
)

// detectScroll looks for a vertical shift inside area (tile-aligned, within
// the image) of BGRX buffers oldPix (what the viewer has) and newPix, both
// with the given stride. It returns the largest band of rows whose new
// content is old content dy rows away, verified byte for byte.
func detectScroll(oldPix, newPix []byte, stride int, area image.Rectangle, oldHash, newHash []uint64) (rowCopy, bool) {
	h := area.Dy()
	if h < scrollMinRows {
		return rowCopy{}, false
	}
	x0, x1 := 4*area.Min.X, 4*area.Max.X
	row := func(pix []byte, y int) []byte { return pix[y*stride+x0 : y*stride+x1] }
	oldHash, newHash = oldHash[:h], newHash[:h]
	for i := range h {
		y := area.Min.Y + i
		oldHash[i] = rowDigest(row(oldPix, y))
		newHash[i] = rowDigest(row(newPix, y))
	}
	// Old rows whose content is unique: a blank line could be anywhere.
	where := make(map[uint64]int, h)
	for i, v := range oldHash {
		if _, seen := where[v]; seen {
			where[v] = -1
		} else {
			where[v] = i
		}
	}
	votes := map[int]int{}
	changed := 0
	for i, v := range newHash {
		if v == oldHash[i] {
			continue
		}
		changed++
		if j, ok := where[v]; ok && j >= 0 {
			votes[i-j]++
		}
	}
	dy, best := 0, 0
	for d, n := range votes {
		if n > best || (n == best && abs(d) < abs(dy)) {
			dy, best = d, n
		}
	}
	if dy == 0 || best < 16 || best < changed/4 {
		return rowCopy{}, false
	}
	// The longest run of rows i (with i-dy inside the area) that match.
	runStart, bestStart, bestLen := -1, 0, 0
	lo, hi := max(0, dy), min(h, h+dy)
	for i := lo; i <= hi; i++ {
		ok := i < hi && newHash[i] == oldHash[i-dy] &&
			bytes.Equal(row(newPix, area.Min.Y+i), row(oldPix, area.Min.Y+i-dy))
		switch {
		case ok && runStart < 0:
			runStart = i
		case !ok && runStart >= 0:
			if i-runStart > bestLen {
				bestStart, bestLen = runStart, i-runStart
			}
			runStart = -1
		}
	}
	if bestLen < scrollMinRows {
		return rowCopy{}, false
	}
	r := image.Rect(area.Min.X, area.Min.Y+bestStart, area.Max.X, area.Min.Y+bestStart+bestLen)
	return rowCopy{rect: r, dy: dy}, true
}

// apply performs c on a buffer of bpp-byte pixels with the given stride,
// row order chosen so that no source row is overwritten before it is read.
func (c rowCopy) apply(pix []byte, stride, bpp int) {
	x0, x1 := bpp*c.rect.Min.X, bpp*c.rect.Max.X
	move := func(y int) {
		copy(pix[y*stride+x0:y*stride+x1], pix[(y-c.dy)*stride+x0:])
	}
	if c.dy > 0 {
		for y := c.rect.Max.Y - 1; y >= c.rect.Min.Y; y-- {
			move(y)
		}
		return
	}
	for y := c.rect.Min.Y; y < c.rect.Max.Y; y++ {
		move(y)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
