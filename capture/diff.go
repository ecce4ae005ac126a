package capture

import (
	"bytes"
	"image"
)

// tiler finds the tiles that differ between two BGRX frames and merges them
// into rectangles. All its slices are reused from one call to the next.
type tiler struct {
	tile       int    // tile side in pixels
	cols, rows int    // tiles across and down (the last ones may be partial)
	dirty      []bool // cols*rows, row-major

	rects []image.Rectangle // merge output, in tile units until converted
	open  []int             // indices into rects that end at the current tile row
	next  []int
}

// setSize prepares t for frames of w×h pixels.
func (t *tiler) setSize(w, h, tile int) {
	t.tile = tile
	t.cols = (w + tile - 1) / tile
	t.rows = (h + tile - 1) / tile
	n := t.cols * t.rows
	if cap(t.dirty) < n {
		t.dirty = make([]bool, n)
	}
	t.dirty = t.dirty[:n]
}

// update compares cur with prev (both w×h BGRX with the given stride), marks
// the tiles that differ, copies exactly those tiles from cur into prev (so that
// prev then equals cur) and returns the dirty tiles merged into rectangles in
// pixels. With all set, every tile is dirty and cur is copied whole. The
// returned slice is reused by the next call.
func (t *tiler) update(prev, cur []byte, w, h, stride int, all bool) []image.Rectangle {
	t.begin()
	t.band(prev, stride, cur, stride, image.Rect(0, 0, w, h), all)
	return t.merge(w, h)
}

// begin starts a comparison: no tile is dirty.
func (t *tiler) begin() { clear(t.dirty) }

// band compares the tiles of rectangle b of the screen: b's corners are on
// tile corners or on the screen's edges, and no two bands of one comparison
// share a tile. cur holds b's pixels (BGRX) from its top-left corner,
// curStride bytes a row; prev is the whole screen, stride bytes a row.
// band marks the tiles that differ and copies exactly those from cur into
// prev. With all set, every tile of b is dirty and b is copied whole.
func (t *tiler) band(prev []byte, stride int, cur []byte, curStride int, b image.Rectangle, all bool) {
	rowBytes := 4 * b.Dx()
	tileBytes := 4 * t.tile
	px := 4 * b.Min.X
	tx0, tx1 := b.Min.X/t.tile, (b.Max.X+t.tile-1)/t.tile
	for ty := b.Min.Y / t.tile; ty*t.tile < b.Max.Y; ty++ {
		y0 := ty * t.tile
		y1 := min(y0+t.tile, b.Max.Y)
		row := t.dirty[ty*t.cols+tx0 : ty*t.cols+tx1]
		clean := len(row)
		if all {
			for i := range row {
				row[i] = true
			}
			clean = 0
		} else {
			// Whole rows first: on a quiet screen almost every row is equal
			// and one long bytes.Equal is the cheapest test. Only a row that
			// differs is looked at tile by tile, and only for tiles not yet
			// known dirty. The band is done once every tile in it is dirty.
			for y := y0; y < y1 && clean > 0; y++ {
				a := cur[(y-b.Min.Y)*curStride:][:rowBytes]
				p := prev[y*stride+px:][:rowBytes]
				if bytes.Equal(a, p) {
					continue
				}
				for i, x := 0, 0; i < len(row); i, x = i+1, x+tileBytes {
					if row[i] {
						continue
					}
					e := min(x+tileBytes, rowBytes)
					if !bytes.Equal(a[x:e], p[x:e]) {
						row[i] = true
						clean--
					}
				}
			}
		}
		if clean == len(row) {
			continue // nothing changed in this tile row
		}
		for i := 0; i < len(row); {
			if !row[i] {
				i++
				continue
			}
			start := i
			for i < len(row) && row[i] {
				i++
			}
			xa, xb := start*tileBytes, min(i*tileBytes, rowBytes)
			for y := y0; y < y1; y++ {
				o := y*stride + px
				copy(prev[o+xa:o+xb], cur[(y-b.Min.Y)*curStride+xa:])
			}
		}
	}
}

// maxShots is the most screen copies of one Grab: changes scattered over
// more rectangles of tiles are copied as their bounding box.
const maxShots = 8

// mergeAtMost is merge, with more than n rectangles replaced by their
// bounding box.
func (t *tiler) mergeAtMost(w, h, n int) []image.Rectangle {
	rs := t.merge(w, h)
	if len(rs) > n {
		var u image.Rectangle
		for _, r := range rs {
			u = u.Union(r)
		}
		rs = append(rs[:0], u)
	}
	return rs
}

// merge turns the dirty tile map into rectangles: runs of dirty tiles along a
// tile row, and a run that has exactly the same columns as a rectangle ending
// on the row above extends that rectangle downwards. Every dirty tile lands in
// exactly one rectangle, so the rectangles never overlap. Rectangles are
// clipped to w×h.
func (t *tiler) merge(w, h int) []image.Rectangle {
	rects := t.rects[:0]
	open := t.open[:0]
	next := t.next[:0]
	for ty := 0; ty < t.rows; ty++ {
		row := t.dirty[ty*t.cols : (ty+1)*t.cols]
		j := 0 // open is sorted by Min.X, and so are the runs of this row
		for tx := 0; tx < t.cols; {
			if !row[tx] {
				tx++
				continue
			}
			x0 := tx
			for tx < t.cols && row[tx] {
				tx++
			}
			for j < len(open) && rects[open[j]].Min.X < x0 {
				j++
			}
			if j < len(open) && rects[open[j]].Min.X == x0 && rects[open[j]].Max.X == tx {
				rects[open[j]].Max.Y = ty + 1
				next = append(next, open[j])
				j++
				continue
			}
			next = append(next, len(rects))
			rects = append(rects, image.Rect(x0, ty, tx, ty+1))
		}
		open, next = next, open[:0]
	}
	for i, r := range rects {
		rects[i] = image.Rect(r.Min.X*t.tile, r.Min.Y*t.tile, min(r.Max.X*t.tile, w), min(r.Max.Y*t.tile, h))
	}
	t.rects, t.open, t.next = rects, open, next
	return rects
}
