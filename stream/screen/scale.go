package screen

import (
	"encoding/binary"
	"image"
	"slices"
)

// scaler downscales BGRX screen pixels to RGB image pixels by exact
// area averaging: image pixel i along an axis is the mean of screen interval
// [i*src/dst, (i+1)*src/dst), each screen pixel weighted by how much of it
// falls inside. Weights are 16-bit fixed point summing to exactly 1<<16, and
// the horizontal pass keeps 8 fractional bits, so a channel is within 1 of
// the exact average. Cost: a horizontal pass over every source row the tile
// needs, then a vertical one, each 2 multiply-adds per tap and pixel (blue
// and red share a uint64); a whole 1920x1080 screen to 1280x720 takes 12 ms
// of one core here (BenchmarkScreenScale), 19.5 ms before ratios ≤ 2 got an
// unrolled two-tap path.
type scaler struct {
	sw, sh, iw, ih int
	x, y           taps
}

// taps are the weights along one axis.
type taps struct {
	src, dst int
	start    []int    // first source pixel of output i
	off      []int    // weights of output i are w[off[i]:off[i+1]]
	w        []uint32 // sum to 1<<16 for each output
	two      []uint32 // when no output reads more than 2 pixels: 2 weights each, padded with 0
}

func newScaler(sw, sh, iw, ih int) *scaler {
	return &scaler{sw: sw, sh: sh, iw: iw, ih: ih, x: newTaps(sw, iw), y: newTaps(sh, ih)}
}

func newTaps(src, dst int) taps {
	t := taps{src: src, dst: dst, start: make([]int, dst), off: make([]int, dst+1)}
	// Work in units of 1/dst source pixel: output i covers [i*src, (i+1)*src).
	for i := range dst {
		a, b := i*src, (i+1)*src
		t.start[i] = a / dst
		t.off[i] = len(t.w)
		for j := a / dst; j*dst < b; j++ {
			lo, hi := max(a, j*dst), min(b, (j+1)*dst)
			// Rounding the running sum keeps the total exactly 1<<16.
			w := (int64(hi-a)<<16+int64(src)/2)/int64(src) - (int64(lo-a)<<16+int64(src)/2)/int64(src)
			t.w = append(t.w, uint32(w))
		}
	}
	t.off[dst] = len(t.w)
	two := make([]uint32, 0, 2*dst)
	for i := range dst {
		ws := t.w[t.off[i]:t.off[i+1]]
		if len(ws) > 2 || (len(ws) < 2 && t.start[i]+1 >= src) {
			return t // 3 taps, or one tap at the last pixel: no room to pad
		}
		two = append(two, ws[0], 0)
		if len(ws) == 2 {
			two[2*i+1] = ws[1]
		}
	}
	t.two = two
	return t
}

// srcSpan is the source interval that outputs [i0, i1) read.
func (t *taps) srcSpan(i0, i1 int) (int, int) {
	last := i1 - 1
	return t.start[i0], t.start[last] + t.off[last+1] - t.off[last]
}

// dstSpan is the output interval that source pixels [s0, s1) affect.
func (t *taps) dstSpan(s0, s1 int) (int, int) {
	return s0 * t.dst / t.src, min((s1*t.dst+t.src-1)/t.src, t.dst)
}

// srcRect is the screen rectangle the image rectangle r is made of.
func (s *scaler) srcRect(r image.Rectangle) image.Rectangle {
	x0, x1 := s.x.srcSpan(r.Min.X, r.Max.X)
	y0, y1 := s.y.srcSpan(r.Min.Y, r.Max.Y)
	return image.Rect(x0, y0, x1, y1)
}

// dstRect is the image rectangle that the screen rectangle r affects.
func (s *scaler) dstRect(r image.Rectangle) image.Rectangle {
	x0, x1 := s.x.dstSpan(r.Min.X, r.Max.X)
	y0, y1 := s.y.dstSpan(r.Min.Y, r.Max.Y)
	return image.Rect(x0, y0, x1, y1)
}

// scaleScratch is a scaling worker's reusable memory. Blue and red
// travel together in the two 32-bit lanes of a uint64 (SWAR): the largest
// sum, 65536*65280, stays under 1<<32, so no lane carries into the other,
// and each tap costs two multiply-adds instead of three.
type scaleScratch struct {
	rb    []uint64 // horizontal pass: blue | red<<32, 8 fractional bits
	g     []uint32
	accRB []uint64
	accG  []uint32
}

// scale writes image rectangle r as BGRX rows into out (len 4*r.Dx()*r.Dy())
// from the BGRX canvas.
func (s *scaler) scale(canvas []byte, stride int, r image.Rectangle, out []byte, t *scaleScratch) {
	w := r.Dx()
	sy0, sy1 := s.y.srcSpan(r.Min.Y, r.Max.Y)
	n := (sy1 - sy0) * w
	t.rb = slices.Grow(t.rb[:0], n)[:n]
	t.g = slices.Grow(t.g[:0], n)[:n]
	t.accRB = slices.Grow(t.accRB[:0], w)[:w]
	t.accG = slices.Grow(t.accG[:0], w)[:w]
	// Horizontal pass: each needed source row to w outputs.
	for sy := sy0; sy < sy1; sy++ {
		row := canvas[sy*stride:]
		rbRow, gRow := t.rb[(sy-sy0)*w:][:w], t.g[(sy-sy0)*w:][:w]
		if s.x.two != nil {
			// Every output reads two source pixels (ratios up to 2).
			two := s.x.two[2*r.Min.X : 2*r.Max.X]
			starts := s.x.start[r.Min.X:r.Max.X]
			for i := range rbRow {
				src := row[4*starts[i]:][:8]
				v0, v1 := binary.LittleEndian.Uint32(src), binary.LittleEndian.Uint32(src[4:])
				w0, w1 := two[2*i], two[2*i+1]
				rb := uint64(w0)*(uint64(v0&0xff)|uint64(v0&0xff0000)<<16) + uint64(w1)*(uint64(v1&0xff)|uint64(v1&0xff0000)<<16)
				rbRow[i] = rb >> 8 & 0x00ffffff_00ffffff
				gRow[i] = (w0*(v0>>8&0xff) + w1*(v1>>8&0xff)) >> 8
			}
			continue
		}
		for ox := r.Min.X; ox < r.Max.X; ox++ {
			ws := s.x.w[s.x.off[ox]:s.x.off[ox+1]]
			src := row[4*s.x.start[ox]:][:4*len(ws)]
			var rb uint64
			var g uint32
			for k, wt := range ws {
				v := binary.LittleEndian.Uint32(src[4*k:])
				rb += uint64(wt) * (uint64(v&0xff) | uint64(v&0xff0000)<<16)
				g += wt * (v >> 8 & 0xff)
			}
			rbRow[ox-r.Min.X] = rb >> 8 & 0x00ffffff_00ffffff
			gRow[ox-r.Min.X] = g >> 8
		}
	}
	// Vertical pass, then round the 24 fractional bits.
	for oy := r.Min.Y; oy < r.Max.Y; oy++ {
		clear(t.accRB)
		clear(t.accG)
		sy := s.y.start[oy] - sy0
		for _, wt := range s.y.w[s.y.off[oy]:s.y.off[oy+1]] {
			rbRow, gRow := t.rb[sy*w:][:w], t.g[sy*w:][:w]
			for i, v := range rbRow {
				t.accRB[i] += uint64(wt) * v
			}
			for i, v := range gRow {
				t.accG[i] += wt * v
			}
			sy++
		}
		o := out[(oy-r.Min.Y)*w*4:][:w*4]
		for k, rb := range t.accRB {
			d := o[4*k : 4*k+4 : 4*k+4]
			d[0] = byte((rb&0xffffffff + 1<<23) >> 24)
			d[1] = byte((t.accG[k] + 1<<23) >> 24)
			d[2] = byte((rb>>32 + 1<<23) >> 24)
			d[3] = 0
		}
	}
}
