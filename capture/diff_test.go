package capture

import (
	"bytes"
	"image"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	// Grids of dirty tiles ('#') and the rectangles expected, in tile units
	// on a 4×3-tile screen of 64-px tiles (256×192 px) unless clipped.
	for name, tc := range map[string]struct {
		grid []string
		want []image.Rectangle
	}{
		"nothing":   {[]string{"....", "....", "...."}, nil},
		"all":       {[]string{"####", "####", "####"}, []image.Rectangle{{Max: image.Pt(4, 3)}}},
		"one":       {[]string{"....", ".#..", "...."}, []image.Rectangle{image.Rect(1, 1, 2, 2)}},
		"row run":   {[]string{".##.", "....", "...."}, []image.Rectangle{image.Rect(1, 0, 3, 1)}},
		"column":    {[]string{"..#.", "..#.", "..#."}, []image.Rectangle{image.Rect(2, 0, 3, 3)}},
		"two boxes": {[]string{"##.#", "##.#", "...."}, []image.Rectangle{image.Rect(0, 0, 2, 2), image.Rect(3, 0, 4, 2)}},
		"L shape": {[]string{"#...", "#...", "####"}, []image.Rectangle{
			image.Rect(0, 0, 1, 2), image.Rect(0, 2, 4, 3)}},
		"staircase": {[]string{"##..", ".##.", "..##"}, []image.Rectangle{
			image.Rect(0, 0, 2, 1), image.Rect(1, 1, 3, 2), image.Rect(2, 2, 4, 3)}},
		"wider below": {[]string{".#..", "###.", "###."}, []image.Rectangle{
			image.Rect(1, 0, 2, 1), image.Rect(0, 1, 3, 3)}},
		"gap then resume": {[]string{"#..#", "....", "#..#"}, []image.Rectangle{
			image.Rect(0, 0, 1, 1), image.Rect(3, 0, 4, 1), image.Rect(0, 2, 1, 3), image.Rect(3, 2, 4, 3)}},
		"second run matches": {[]string{"#.#.", "..#.", "#.#."}, []image.Rectangle{
			image.Rect(0, 0, 1, 1), image.Rect(2, 0, 3, 3), image.Rect(0, 2, 1, 3)}},
	} {
		t.Run(name, func(t *testing.T) {
			var tl tiler
			tl.setSize(4*64, 3*64, 64)
			for y, row := range tc.grid {
				for x, c := range row {
					tl.dirty[y*4+x] = c == '#'
				}
			}
			got := tl.merge(4*64, 3*64)
			var want []image.Rectangle
			for _, r := range tc.want {
				want = append(want, image.Rectangle{Min: r.Min.Mul(64), Max: r.Max.Mul(64)})
			}
			if !slices.Equal(got, want) {
				t.Errorf("merge =\n  %v\nwant\n  %v", got, want)
			}
		})
	}
}

// TestUpdateRandom changes random pixels of a synthetic frame and checks
// that exactly the tiles holding a changed pixel are reported, the
// rectangles don't overlap, and prev equals cur afterwards.
func TestUpdateRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []struct{ w, h, tile, stride int }{
		{1000, 700, 64, 4000},
		{257, 130, 64, 257*4 + 12}, // padded rows: padding must be ignored
		{64, 64, 64, 256},
		{50, 30, 7, 200},
		{1, 1, 64, 4},
	} {
		var tl tiler
		tl.setSize(size.w, size.h, size.tile)
		n := size.stride * size.h
		prev, cur := make([]byte, n), make([]byte, n)
		for i := range cur {
			cur[i] = byte(rng.Uint32())
		}
		got := tl.update(prev, cur, size.w, size.h, size.stride, true)
		if want := []image.Rectangle{image.Rect(0, 0, size.w, size.h)}; !slices.Equal(got, want) {
			t.Fatalf("%v: full update = %v, want %v", size, got, want)
		}
		for round := range 200 {
			changed := map[image.Point]bool{}
			for range rng.IntN(8) {
				x, y := rng.IntN(size.w), rng.IntN(size.h)
				cur[y*size.stride+4*x+rng.IntN(4)] ^= byte(1 + rng.IntN(255))
				changed[image.Pt(x/size.tile, y/size.tile)] = true
			}
			// Padding changes are never reported.
			if pad := size.stride - 4*size.w; pad > 0 {
				cur[rng.IntN(size.h)*size.stride+4*size.w+rng.IntN(pad)]++
			}
			got := tl.update(prev, cur, size.w, size.h, size.stride, false)
			covered := map[image.Point]bool{}
			for i, r := range got {
				if !r.In(image.Rect(0, 0, size.w, size.h)) {
					t.Fatalf("%v round %d: %v outside the screen", size, round, r)
				}
				for _, s := range got[i+1:] {
					if r.Overlaps(s) {
						t.Fatalf("%v round %d: %v overlaps %v", size, round, r, s)
					}
				}
				for _, p := range tileSet([]image.Rectangle{r}, size.tile) {
					covered[p] = true
				}
			}
			if len(covered) != len(changed) {
				t.Fatalf("%v round %d: reported tiles %v, changed %v", size, round, covered, changed)
			}
			for p := range changed {
				if !covered[p] {
					t.Fatalf("%v round %d: changed tile %v not reported (%v)", size, round, p, got)
				}
			}
			for y := range size.h {
				o := y * size.stride
				if !bytes.Equal(prev[o:o+4*size.w], cur[o:o+4*size.w]) {
					t.Fatalf("%v round %d: prev row %d differs from cur after update", size, round, y)
				}
			}
		}
	}
}

func TestUpdateNoAllocs(t *testing.T) {
	var tl tiler
	w, h := 1920, 1080
	tl.setSize(w, h, 64)
	prev, cur := make([]byte, 4*w*h), make([]byte, 4*w*h)
	tl.update(prev, cur, w, h, 4*w, true)
	i := 0
	allocs := testing.AllocsPerRun(20, func() {
		i++
		for k := 0; k < 40; k++ {
			cur[(k*27+i)%h*4*w+(k*131*4)%(4*w)] = byte(i)
		}
		tl.update(prev, cur, w, h, 4*w, false)
	})
	if allocs != 0 {
		t.Errorf("update allocates %.1f times per call", allocs)
	}
}

// BenchmarkUpdate1080p measures the comparison alone (no X): identical
// frames, the worst case for reading memory.
func BenchmarkUpdate1080pIdle(b *testing.B) {
	var tl tiler
	w, h := 1920, 1080
	tl.setSize(w, h, 64)
	prev, cur := make([]byte, 4*w*h), make([]byte, 4*w*h)
	tl.update(prev, cur, w, h, 4*w, true)
	b.SetBytes(int64(len(cur)))
	for b.Loop() {
		tl.update(prev, cur, w, h, 4*w, false)
	}
}

// tileSet lists the tiles (in tile coordinates) that rectangles touch.
func tileSet(rs []image.Rectangle, tile int) []image.Point {
	var out []image.Point
	for _, r := range rs {
		for ty := r.Min.Y / tile; ty*tile < r.Max.Y; ty++ {
			for tx := r.Min.X / tile; tx*tile < r.Max.X; tx++ {
				out = append(out, image.Pt(tx, ty))
			}
		}
	}
	slices.SortFunc(out, func(a, b image.Point) int {
		if a.Y != b.Y {
			return a.Y - b.Y
		}
		return a.X - b.X
	})
	return slices.Compact(out)
}
