package screen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/ra-p2p/ra-p2p/internal/turbojpeg"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Tile classification, measured on testdata (1280x800 xterm with
// anti-aliased text, 1920x1080 text, 1920x1080 desktop with a photo-like
// window), 64x64 tiles, zstd alone per tile, Go JPEG q80 per tile (bytes per
// tile, its ~620 B of header included):
//
//	distinct colours   tiles  zstd alone  JPEG alone   JPEG PSNR
//	1                   347        15-25      655        ≥ 53 dB
//	2-16                269        35-73    700-790      46-58 dB
//	17-64                84      220-250    840-980      41-44 dB
//	65-256 (AA text)    440     950-1100  1540-1620      34-36 dB
//	257-1024             11         1295      988          38 dB
//	> 1024 (photo)      129        10670      964          39 dB
//
// So: one colour → solid (3 bytes); 2-16 colours → palette (see
// paletteMax); ≤ 256 colours → lossless (anti-aliased
// text is 65-256 colours, where JPEG is bigger and blurred to ~35 dB); more
// → JPEG, unless the tile is sharp: text in two colours on a dark background
// (ls --color) passes 256 colours, and JPEG blurs it to 25 dB for no gain
// (1807 B against 2116 B). Sharp = at least 1/16 of the pixels differ from
// their left neighbour by more than 128 (|ΔR|+|ΔG|+|ΔB|): text tiles measure
// 0.20-0.27, photo tiles 0-0.03 (0.03 is the photo window's border).
//
// Grouping: the JPEG tiles of a part share one atlas image: the 140 photo
// tiles of the desktop cost 52.8 KB in one q80 atlas (377 B/tile, 38.5 dB;
// q70 297 B/37.2 dB, q90 556 B/40.4 dB) against 135 KB as separate JPEGs,
// whose tables are paid per tile; encoding the atlas takes ~12 ms, decoding
// ~6 ms. Lossless tiles share one zstd frame, which finds glyphs repeated
// across tiles: the 1920x1080 text screenshot is 82-88 KB as one frame
// against 274-301 KB tile by tile, in less time (3.8 against 11.4 ms);
// RGB beats BGRX (−5..−20%); a left-delta filter only helps photo tiles,
// which go to JPEG; SpeedDefault saves 10-15% over SpeedFastest but costs
// more on changing screens, so SpeedFastest. The colour counter stops at
// 257 and skips runs of one colour, so a text tile costs one linear scan.
//
// Whole key frames (2 parts): xterm 1280x800 47 KB in 8.6 ms on one core
// (RECIPES.md §B: zstd per tile 122 KB/12.6 ms, VP8 128 KB/27 ms, JPEG q90
// tiles 390 KB/64 ms); text 1920x1080 86 KB/16 ms; the desktop with its
// photo window 109 KB/33 ms (all lossless: 1.36 MB). One 8x16 character
// typed: 144 B and 0.02 ms as its 16x32 of dirty cells (590 B and 0.06 ms
// when the whole 64x64 tile was sent; RECIPES.md §B: 161 B for zstd tiles of
// aliased xterm text).
const jpegColours = 256

var errPartTooBig = errors.New("stream: screen part over the frame limit")

// part is one part of an update to encode.
type part struct {
	seq                      uint64
	flags                    byte
	screenW, screenH         int
	imageW, imageH           int
	tiles                    []image.Rectangle // in image space
	copy                     *rowCopy          // first part only, with flagCopy
	quality                  int
	lossless                 bool
	colours                  string // Settings.Colours
	palette                  bool   // Settings.Palette
	nSolid, nLossless, nJPEG int    // tiles by codec, filled by encode
	jpeg                     []bool // per tile: sent as JPEG, filled by encode
}

const (
	flagKey   = 1 << 0
	flagLast  = 1 << 1
	flagCopy  = 1 << 2
	flagDepth = 1 << 3 // a depth byte follows the sizes: lossless pixels are packed
)

// Packed depths of lossless pixels (flagDepth), part of the wire format.
const (
	depthFull  = 0 // RGB, 3 bytes a pixel (no flagDepth)
	depth65536 = 1 // RGB565, 2 bytes little-endian
	depth256   = 2 // RGB332, 1 byte
	depthGrey  = 3 // 1 byte
)

// wireDepth is the packed depth of Settings.Colours.
func wireDepth(colours string) byte {
	switch colours {
	case Colours65536:
		return depth65536
	case Colours256:
		return depth256
	case ColoursGrey:
		return depthGrey
	}
	return depthFull
}

// packedBytes is the bytes a pixel takes at a packed depth.
func packedBytes(depth byte) int {
	switch depth {
	case depth65536:
		return 2
	case depth256, depthGrey:
		return 1
	}
	return 3
}

// tileEncoder is one encoding worker's reusable state.
type tileEncoder struct {
	zenc    *zstd.Encoder
	tile    []byte // one scaled tile, BGRX
	hdr     []byte // tile table
	zin     []byte // lossless tiles' pixels, RGB
	zout    []byte
	atlas   *image.RGBA // 16x16 slots, only the rows needed are encoded
	jenc    *turbojpeg.Encoder
	jbuf    []byte
	scratch scaleScratch
	colours [1024]uint32
	// a tile's palette (palette): its colours, and a hash of colour+1 to
	// its index
	pal     []uint32
	palKey  [1024]uint32
	palIdx  [1024]byte
	counted bool // classify left the tile's colours in pal
	// a two-colour tile's indices, one bit a pixel as the wire has them,
	// made by classify in the pass that found the tile has two colours
	twoBits []byte
}

func newTileEncoder() *tileEncoder {
	// 4 MiB window ≥ the largest part (256 tiles × 12 KiB), and what the
	// decoder allows.
	z, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(4<<20), zstd.WithEncoderCRC(false))
	if err != nil {
		panic(err) // only for invalid options
	}
	j, err := turbojpeg.NewEncoder()
	if err != nil {
		panic(err) // libjpeg-turbo could not allocate a handle: out of memory
	}
	return &tileEncoder{zenc: z, jenc: j}
}

// encode appends the body of part p to dst. canvas is BGRX with the given
// stride at screen size; sc is nil when the image is not scaled.
func (e *tileEncoder) encode(dst []byte, canvas []byte, stride int, sc *scaler, p *part) ([]byte, error) {
	start := len(dst)
	e.hdr = e.hdr[:0]
	e.zin = e.zin[:0]
	p.nSolid, p.nLossless, p.nJPEG = 0, 0, 0
	p.jpeg = p.jpeg[:0]
	for _, r := range p.tiles {
		// The tile's pixels: pix at stride ps, rectangle tr.
		pix, ps, tr := canvas, stride, r
		depth := wireDepth(p.colours)
		if sc != nil || depth != depthFull {
			e.tile = slices.Grow(e.tile[:0], 4*r.Dx()*r.Dy())[:4*r.Dx()*r.Dy()]
			if sc != nil {
				sc.scale(canvas, stride, r, e.tile, &e.scratch)
			} else {
				copyBGRX(e.tile, 4*r.Dx(), canvas[r.Min.Y*stride+4*r.Min.X:], stride, r.Sub(r.Min))
			}
			pix, ps, tr = e.tile, 4*r.Dx(), r.Sub(r.Min)
		}
		for _, v := range [4]int{r.Min.X, r.Min.Y, r.Dx(), r.Dy()} {
			e.hdr = binary.AppendUvarint(e.hdr, uint64(v))
		}
		// Classified before the colours are reduced: a photo reduced to
		// 256 colours is still a photo, and cheaper as one.
		solid, photo := e.classify(pix, ps, tr, !p.lossless)
		// Per pixel, so a scroll's moved rows (the viewer moves what it
		// has) still match what reducing the new rows gives.
		reduceColours(pix[:4*r.Dx()*r.Dy()], p.colours)
		p.jpeg = append(p.jpeg, photo)
		switch {
		case solid:
			c := pix[tr.Min.Y*ps+4*tr.Min.X:]
			e.hdr = append(e.hdr, codecSolid, c[2], c[1], c[0])
			p.nSolid++
		case photo:
			e.hdr = append(e.hdr, codecJPEG)
			e.putAtlas(p.nJPEG, pix, ps, tr)
			p.nJPEG++
		case p.palette && depth == depthFull && e.palette(pix, ps, tr):
			// Text: its few colours as a palette and 1 to 8 bits a pixel
			// instead of 24, as Tight and ZRLE do.
			e.hdr = append(e.hdr, codecPalette, byte(len(e.pal)-1))
			for _, c := range e.pal {
				e.hdr = append(e.hdr, byte(c>>16), byte(c>>8), byte(c))
			}
			if len(e.pal) == 2 {
				e.zin = append(e.zin, e.twoBits...)
			} else {
				e.zin = e.appendIndices(e.zin, pix, ps, tr, paletteBits(len(e.pal)))
			}
			p.nLossless++
		default:
			e.hdr = append(e.hdr, codecLossless)
			e.zin = appendPacked(e.zin, pix, ps, tr, depth)
			p.nLossless++
		}
	}
	depth := wireDepth(p.colours)
	flags := p.flags
	if depth != depthFull {
		flags |= flagDepth
	}
	dst = binary.AppendUvarint(dst, p.seq)
	dst = append(dst, flags)
	for _, v := range [4]int{p.screenW, p.screenH, p.imageW, p.imageH} {
		dst = binary.AppendUvarint(dst, uint64(v))
	}
	if depth != depthFull {
		dst = append(dst, depth)
	}
	if p.flags&flagCopy != 0 {
		c := p.copy.rect
		for _, v := range [4]int{c.Min.X, c.Min.Y, c.Dx(), c.Dy()} {
			dst = binary.AppendUvarint(dst, uint64(v))
		}
		dst = binary.AppendVarint(dst, int64(p.copy.dy))
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.tiles)))
	dst = append(dst, e.hdr...)
	if len(e.zin) > 0 {
		e.zout = e.zenc.EncodeAll(e.zin, e.zout[:0])
		dst = binary.AppendUvarint(dst, uint64(len(e.zout)))
		dst = append(dst, e.zout...)
	} else {
		dst = append(dst, 0)
	}
	if p.nJPEG > 0 {
		cols := min(p.nJPEG, atlasCols)
		rows := (p.nJPEG + cols - 1) / cols
		var err error
		e.jbuf, err = e.jenc.Encode(e.jbuf[:0], e.atlas.Pix, cols*Tile, rows*Tile, e.atlas.Stride, p.quality)
		if err != nil {
			return dst[:start], fmt.Errorf("encoding screen tiles as JPEG: %w", err)
		}
		dst = binary.AppendUvarint(dst, uint64(len(e.jbuf)))
		dst = append(dst, e.jbuf...)
	} else {
		dst = append(dst, 0)
	}
	if len(dst)-start+1 > MaxMessage {
		// Only JPEG can grow past raw size (noise at a high quality); the
		// same tiles lossless always fit: ≤ 3 MiB + zstd's raw-block overhead.
		if !p.lossless {
			p.lossless = true
			return e.encode(dst[:start], canvas, stride, sc, p)
		}
		return dst[:start], errPartTooBig
	}
	return dst, nil
}

// palette lists the colours of rectangle r of BGRX pixels (stride ps) in
// e.pal, with the hash e.palKey/palIdx from colour to index; false as soon
// as there are more than paletteMax (anti-aliased text: it stops at the
// 17th colour rather than scanning the tile), or for one (a solid tile).
func (e *tileEncoder) palette(pix []byte, ps int, r image.Rectangle) bool {
	clear(e.palKey[:])
	if e.counted {
		// classify has the colours: only the hash to make.
		if len(e.pal) < 2 || len(e.pal) > paletteMax {
			return false
		}
		for i, c := range e.pal {
			h := (c * 0x9e3779b1) >> 22
			for e.palKey[h] != 0 {
				h = (h + 1) & 1023
			}
			e.palKey[h], e.palIdx[h] = c+1, byte(i)
		}
		return e.sortPalette()
	}
	e.pal = e.pal[:0]
	prev := ^uint32(0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[y*ps+4*r.Min.X:][:4*r.Dx()]
		for i := 0; i < len(row); i += 4 {
			c := bgrx(row[i:])
			if c == prev {
				continue
			}
			prev = c
			if _, ok := e.paletteIndex(c); ok {
				continue
			}
			if len(e.pal) == paletteMax {
				return false
			}
			h := (c * 0x9e3779b1) >> 22
			for e.palKey[h] != 0 {
				h = (h + 1) & 1023
			}
			e.palKey[h], e.palIdx[h] = c+1, byte(len(e.pal))
			e.pal = append(e.pal, c)
		}
	}
	if len(e.pal) < 2 {
		return false
	}
	return e.sortPalette()
}

// sortPalette puts e.pal in order of value, so that the same colours get
// the same indices in every tile and zstd still finds a glyph repeated
// across tiles, and the hash's indices with it.
func (e *tileEncoder) sortPalette() bool {
	slices.Sort(e.pal)
	for i, c := range e.pal {
		for h := (c * 0x9e3779b1) >> 22; ; h = (h + 1) & 1023 {
			if e.palKey[h] == c+1 {
				e.palIdx[h] = byte(i)
				break
			}
		}
	}
	return true
}

// paletteMax is the most colours a palette tile has. Up to 16 colours
// (indices of 1, 2 or 4 bits) the benchmark's xterm (a bitmap font, two
// colours) costs 1.55 Mbit/s instead of 8.31 (20 KB an update instead of
// 71, as encoding takes as long); more colours (anti-aliased text, 8-bit
// indices) cost more than RGB (the 1280x800 xterm screenshot 104 KB
// against 47): per-tile indices hide from zstd the glyphs repeated across
// tiles, which RGB shows it, even with the palette in order of value.
const paletteMax = 16

// paletteIndex finds colour c in the tile's palette.
func (e *tileEncoder) paletteIndex(c uint32) (byte, bool) {
	for h := (c * 0x9e3779b1) >> 22; ; h = (h + 1) & 1023 {
		switch e.palKey[h] {
		case c + 1:
			return e.palIdx[h], true
		case 0:
			return 0, false
		}
	}
}

// paletteBits is the bits an index takes for n colours.
func paletteBits(n int) int {
	switch {
	case n <= 2:
		return 1
	case n <= 4:
		return 2
	case n <= 16:
		return 4
	}
	return 8
}

// paletteRowBytes is the bytes a row of w indices of bits takes: rows
// start on a byte.
func paletteRowBytes(w, bits int) int { return (w*bits + 7) / 8 }

// appendIndices appends the palette indices of rectangle r, bits each,
// most significant first, each row padded to a byte.
func (e *tileEncoder) appendIndices(dst []byte, pix []byte, ps int, r image.Rectangle, bits int) []byte {
	prev, prevIdx := ^uint32(0), byte(0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[y*ps+4*r.Min.X:][:4*r.Dx()]
		var acc, n int
		for i := 0; i < len(row); i += 4 {
			c := bgrx(row[i:])
			if c != prev {
				prev = c
				prevIdx, _ = e.paletteIndex(c)
			}
			acc = acc<<bits | int(prevIdx)
			if n += bits; n == 8 {
				dst = append(dst, byte(acc))
				acc, n = 0, 0
			}
		}
		if n > 0 {
			dst = append(dst, byte(acc<<(8-n)))
		}
	}
	return dst
}

// bgrx reads the colour at the start of b as 0xRRGGBB.
func bgrx(b []byte) uint32 { return binary.LittleEndian.Uint32(b) & 0xffffff }

// classify says whether rectangle r of BGRX pixels (stride ps) is one
// colour, and (when lossy is allowed) whether it is photo-like: more than
// jpegColours colours and not sharp. When it counted the colours (lossy)
// it leaves the first paletteMax+1 of them in e.pal and sets e.counted,
// so palette need not look at the pixels again.
func (e *tileEncoder) classify(pix []byte, ps int, r image.Rectangle, lossy bool) (solid, photo bool) {
	e.counted = false
	w := 4 * r.Dx()
	c0 := bgrx(pix[r.Min.Y*ps+4*r.Min.X:])
	// Text in a bitmap font: two colours, found and packed in one pass,
	// without a look-up a pixel (and without a branch on them, which text
	// mispredicts).
	var c1 uint32
	var n int
	e.twoBits, c1, n = appendTwoColourBits(e.twoBits[:0], pix, ps, r, c0)
	switch {
	case n == 1:
		return true, false
	case n == 2:
		e.pal = append(e.pal[:0], c0, c1)
		e.counted = true
		if c0 > c1 {
			// The palette goes in order of value, and a set bit is the
			// second colour of it: here, c0.
			invertBits(e.twoBits, r.Dx())
		}
		return false, false
	case !lossy:
		return false, false // palette counts the colours
	}
	tab := &e.colours
	clear(tab[:])
	n = 0
	prev := ^uint32(0)
	e.pal = e.pal[:0]
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[y*ps+4*r.Min.X:][:w]
		for i := 0; i+4 <= len(row); i += 4 {
			c := bgrx(row[i:])
			if c == prev {
				continue
			}
			prev = c
			key := c + 1
			for h := (c * 0x9e3779b1) >> 22; ; h = (h + 1) & 1023 {
				if v := tab[h]; v == key {
					break
				} else if v == 0 {
					tab[h] = key
					n++
					if n > jpegColours {
						return false, !sharp(pix, ps, r)
					}
					if n <= paletteMax+1 {
						e.pal = append(e.pal, c)
					}
					break
				}
			}
		}
	}
	e.counted = true
	return n == 1, false
}

// appendTwoColourBits appends rectangle r's pixels one bit each, set
// where the pixel is not c0 (the colour of its first), eight a byte and
// each row from a new byte, as a two-colour palette tile's indices go; in
// the same pass it finds whether r has one colour (n = 1), two (n = 2, the
// other being c1) or more (n = 3: the bits appended are then meaningless).
// A row is looked at whole before it decides, so a tile of more colours
// costs about a row more than finding that out.
func appendTwoColourBits(dst []byte, pix []byte, ps int, r image.Rectangle, c0 uint32) (out []byte, c1 uint32, n int) {
	n = 1
	a2 := uint64(c0) * pixelPair
	b2 := a2 // c1's, once known: until then "neither" means "not c0"
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[y*ps+4*r.Min.X:][:4*r.Dx()]
		var other uint64 // a lane's top bit set by a pixel that is neither
		// Eight pixels a byte, two at a time and without a branch on
		// them (text's are a coin toss): a lane's top bit is set where
		// the pixel is not c0.
		rest := row
		for ; len(rest) >= 32; rest = rest[32:] {
			p := (*[32]byte)(rest)
			v0 := binary.LittleEndian.Uint64(p[0:]) & pairColours
			v1 := binary.LittleEndian.Uint64(p[8:]) & pairColours
			v2 := binary.LittleEndian.Uint64(p[16:]) & pairColours
			v3 := binary.LittleEndian.Uint64(p[24:]) & pairColours
			d0, d1, d2, d3 := pairNonZero(v0^a2), pairNonZero(v1^a2), pairNonZero(v2^a2), pairNonZero(v3^a2)
			other |= d0&pairNonZero(v0^b2) | d1&pairNonZero(v1^b2) | d2&pairNonZero(v2^b2) | d3&pairNonZero(v3^b2)
			dst = append(dst, byte(d0>>24&0x80|d0>>57&0x40|d1>>26&0x20|d1>>59&0x10|
				d2>>28&0x08|d2>>61&0x04|d3>>30&0x02|d3>>63))
		}
		if len(rest) > 0 {
			b := uint32(b2)
			var acc byte
			for k := 0; k < len(rest); k += 4 {
				acc <<= 1
				if c := bgrx(rest[k:]); c != c0 {
					acc |= 1
					if c != b {
						other = 1
					}
				}
			}
			dst = append(dst, acc<<(8-len(rest)/4))
		}
		if other == 0 {
			continue
		}
		if n == 2 {
			return dst, c1, 3
		}
		// The first pixel that is not c0 is in this row: that is c1, and
		// the row is looked at again for a third colour.
		for k := 0; ; k += 4 {
			if c := bgrx(row[k:]); c != c0 {
				c1 = c
				break
			}
		}
		n, b2 = 2, uint64(c1)*pixelPair
		for k := 0; k < len(row); k += 4 {
			if c := bgrx(row[k:]); c != c0 && c != c1 {
				return dst, c1, 3
			}
		}
	}
	return dst, c1, n
}

// invertBits inverts the bits appendTwoColourBits made for rows of width
// pixels, leaving each row's padding bits clear.
func invertBits(bits []byte, width int) {
	per := (width + 7) / 8
	tail := byte(0xff) << ((8 - width%8) % 8)
	for row := bits; len(row) >= per; row = row[per:] {
		for i := range row[:per-1] {
			row[i] ^= 0xff
		}
		row[per-1] ^= tail
	}
}

// Two BGRX pixels read as one little-endian uint64 are two 32-bit lanes,
// the first pixel in the low one; with the X byte masked off (pairColours)
// a lane holds 0xRRGGBB. Working on both at once halves the steps of the
// per-pixel passes over text, the largest part of encoding it.
const (
	pixelPair   = 1<<32 | 1 // colour c in both lanes: uint64(c) * pixelPair
	pairColours = 0x00ffffff_00ffffff
	pairTops    = 0x80000000_80000000
)

// pairNonZero sets the top bit of each lane of v (lanes < 1<<24) that is
// not zero, and nothing else: adding 0x7fffffff carries into bit 31 for any
// lane ≥ 1 and, with lanes below 1<<24, never into the next lane.
func pairNonZero(v uint64) uint64 { return (v + 0x7fffffff_7fffffff) & pairTops }

// sharp says whether at least 1/16 of the pixels of rectangle r differ from
// their left neighbour by more than 128 summed over R, G and B: the edges of
// text. See jpegColours.
func sharp(pix []byte, ps int, r image.Rectangle) bool {
	jumps, limit := 0, max(r.Dx()*r.Dy()/16, 1)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := pix[y*ps+4*r.Min.X:][:4*r.Dx()]
		for i := 4; i+4 <= len(row); i += 4 {
			a, b := row[i:i+3:i+3], row[i-4:i-1:i-1]
			d := absDiff(a[0], b[0]) + absDiff(a[1], b[1]) + absDiff(a[2], b[2])
			// Without branches on the pixels: a photo's are a coin
			// toss each, and mispredicted they cost 3/4 of the time.
			jumps += int(uint(128-d) >> 63) // d > 128
			if jumps >= limit {
				return true
			}
		}
	}
	return false
}

func absDiff(a, b byte) int {
	d := int(a) - int(b)
	m := d >> 63
	return (d ^ m) - m
}

// appendRGB appends rectangle r of BGRX pixels (stride ps) as RGB rows.
// appendPacked appends rectangle r of BGRX pixels (stride ps, colours
// already reduced to depth) packed at depth.
func appendPacked(dst []byte, pix []byte, ps int, r image.Rectangle, depth byte) []byte {
	if depth == depthFull {
		return appendRGB(dst, pix, ps, r)
	}
	w := r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := pix[y*ps+4*r.Min.X:][:4*w]
		for k := 0; k < len(src); k += 4 {
			b, g, rd := src[k], src[k+1], src[k+2]
			switch depth {
			case depth65536:
				v := uint16(rd>>3)<<11 | uint16(g>>2)<<5 | uint16(b>>3)
				dst = append(dst, byte(v), byte(v>>8))
			case depth256:
				dst = append(dst, rd&0xe0|(g&0xe0)>>3|b>>6)
			default: // grey: the three channels are equal
				dst = append(dst, b)
			}
		}
	}
	return dst
}

func appendRGB(dst []byte, pix []byte, ps int, r image.Rectangle) []byte {
	w, n := r.Dx(), len(dst)
	dst = slices.Grow(dst, 3*w*r.Dy())[:n+3*w*r.Dy()]
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := pix[y*ps+4*r.Min.X:][:4*w]
		out := dst[n+(y-r.Min.Y)*3*w:][:3*w]
		for k := range w {
			v := binary.LittleEndian.Uint32(src[4*k:])
			d := out[3*k : 3*k+3 : 3*k+3]
			d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v)
		}
	}
	return dst
}

// putAtlas puts rectangle r of BGRX pixels (stride ps) at atlas slot i,
// repeating its last column and row to fill the slot (cheaper to code than
// black).
func (e *tileEncoder) putAtlas(i int, pix []byte, ps int, r image.Rectangle) {
	if e.atlas == nil {
		n := atlasCols * Tile
		e.atlas = image.NewRGBA(image.Rect(0, 0, n, n))
	}
	x0, y0 := i%atlasCols*Tile, i/atlasCols*Tile
	w, h := r.Dx(), r.Dy()
	for y := range Tile {
		src := pix[(r.Min.Y+min(y, h-1))*ps+4*r.Min.X:][:4*w]
		row := e.atlas.Pix[e.atlas.PixOffset(x0, y0+y):][:Tile*4]
		for x := range Tile {
			s := src[4*min(x, w-1):][:3]
			d := row[x*4 : x*4+4 : x*4+4]
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xff
		}
	}
}

// partHeader is the fixed start of an update part.
type partHeader struct {
	seq              uint64
	flags            byte
	screenW, screenH int
	imageW, imageH   int
	depth            byte    // lossless pixels' packing (flagDepth)
	copy             rowCopy // with flagCopy
}

// decodedTile is one tile of a part as read.
type decodedTile struct {
	r     image.Rectangle
	codec byte
	rgb   [3]byte
	pal   []byte // codecPalette: its colours, RGB (in the part's body)
}

// tileDecoder decodes update parts into a canvas.
type tileDecoder struct {
	zdec  *zstd.Decoder
	jdec  *turbojpeg.Decoder
	tiles []decodedTile
	pix   []byte
	atlas []byte // RGBA, the decoded JPEG atlas
}

func newTileDecoder() *tileDecoder {
	const limit = maxTilesPerPart * Tile * Tile * 3
	z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(limit),
		zstd.WithDecoderMaxWindow(4<<20), zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		panic(err) // only for invalid options
	}
	j, err := turbojpeg.NewDecoder()
	if err != nil {
		panic(err) // libjpeg-turbo could not allocate a handle: out of memory
	}
	return &tileDecoder{zdec: z, jdec: j}
}

func (d *tileDecoder) close() { d.zdec.Close() }

// parsePartHeader reads the fixed start of an update part.
func parsePartHeader(w *framing.Body) partHeader {
	var h partHeader
	h.seq = w.Uvarint("update sequence")
	h.flags = w.U8("update flags")
	if h.flags&^(flagKey|flagLast|flagCopy|flagDepth) != 0 {
		w.Failf("update flags: unknown bits in %#x", h.flags)
	}
	h.screenW = w.Int("screen width", 1, MaxDim)
	h.screenH = w.Int("screen height", 1, MaxDim)
	h.imageW = w.Int("image width", 1, h.screenW)
	h.imageH = w.Int("image height", 1, h.screenH)
	if w.Err() == nil && (!sizeOK(h.screenW, h.screenH)) {
		w.Failf("screen of %dx%d is over the limit", h.screenW, h.screenH)
	}
	if h.flags&flagDepth != 0 {
		h.depth = byte(w.Int("colour depth", depth65536, depthGrey))
	}
	if h.flags&flagCopy != 0 && w.Err() == nil {
		if h.flags&flagKey != 0 {
			w.Failf("a key frame with a copy")
		}
		x := w.Int("copy x", 0, h.imageW-1)
		y := w.Int("copy y", 0, h.imageH-1)
		cw := w.Int("copy width", 1, h.imageW-x)
		ch := w.Int("copy height", 1, h.imageH-y)
		dy := w.SInt("copy dy", math.MinInt32, math.MaxInt32)
		if w.Err() == nil && (dy == 0 || y-dy < 0 || y+ch-dy > h.imageH) {
			w.Failf("copy of rows %d..%d by %d leaves the image", y, y+ch-1, dy)
		}
		h.copy = rowCopy{rect: image.Rect(x, y, x+cw, y+ch), dy: dy}
	}
	return h
}

// decode paints the tiles of part body w (after its header) into canvas,
// whose size is the header's image size. It returns the painted rectangles.
func (d *tileDecoder) decode(w *framing.Body, canvas *image.RGBA, depth byte) ([]decodedTile, error) {
	bpp := packedBytes(depth)
	bounds := canvas.Bounds()
	n := w.Int("tile count", 0, maxTilesPerPart)
	d.tiles = d.tiles[:0]
	need, lossy := 0, 0
	for i := 0; i < n && w.Err() == nil; i++ {
		var t decodedTile
		x := w.Int("tile x", 0, bounds.Dx()-1)
		y := w.Int("tile y", 0, bounds.Dy()-1)
		tw := w.Int("tile width", 1, min(Tile, bounds.Dx()-x))
		th := w.Int("tile height", 1, min(Tile, bounds.Dy()-y))
		t.r = image.Rect(x, y, x+tw, y+th)
		t.codec = w.U8("tile codec")
		switch t.codec {
		case codecSolid:
			copy(t.rgb[:], w.Bytes("solid colour", 3))
		case codecLossless:
			need += tw * th * bpp
		case codecPalette:
			n := int(w.U8("palette size")) + 1
			if n < 2 && w.Err() == nil {
				w.Failf("tile %d: a palette of one colour", i)
			}
			t.pal = w.Bytes("palette", 3*n)
			need += paletteRowBytes(tw, paletteBits(n)) * th
		case codecJPEG:
			lossy++
		default:
			w.Failf("tile %d: unknown codec %d", i, t.codec)
		}
		d.tiles = append(d.tiles, t)
	}
	z := w.Bytes("zstd data", w.Int("zstd length", 0, w.Left()))
	j := w.Bytes("JPEG data", w.Int("JPEG length", 0, w.Left()))
	if err := w.End(); err != nil {
		return nil, err
	}
	if (need > 0) != (len(z) > 0) {
		return nil, fmt.Errorf("reading update: %d bytes of zstd data for %d bytes of lossless tiles", len(z), need)
	}
	if (lossy > 0) != (len(j) > 0) {
		return nil, fmt.Errorf("reading update: %d bytes of JPEG for %d JPEG tiles", len(j), lossy)
	}
	var pix []byte
	if need > 0 {
		// The cap is the limit: a frame that decodes to more fails without
		// allocating it (need ≤ 256 tiles × 12 KiB).
		if cap(d.pix) < need {
			d.pix = make([]byte, need)
		}
		var err error
		pix, err = d.zdec.DecodeAll(z, d.pix[:0:need])
		if err != nil {
			return nil, fmt.Errorf("decoding lossless tiles: %w", err)
		}
		if len(pix) != need {
			return nil, fmt.Errorf("decoding lossless tiles: %d bytes, want %d", len(pix), need)
		}
	}
	var aw int // atlas width, pixels
	if lossy > 0 {
		cols := min(lossy, atlasCols)
		var ah int
		aw, ah = cols*Tile, (lossy+cols-1)/cols*Tile
		// Decode checks the header's size against the atlas's before
		// writing a pixel: a forged size cannot overrun d.atlas.
		d.atlas = slices.Grow(d.atlas[:0], 4*aw*ah)[:4*aw*ah]
		if err := d.jdec.Decode(d.atlas, j, aw, ah, 4*aw); err != nil {
			return nil, fmt.Errorf("decoding JPEG tiles: %w", err)
		}
	}
	slot := 0
	for _, t := range d.tiles {
		switch t.codec {
		case codecSolid:
			fillRGBA(canvas, t.r, t.rgb)
		case codecPalette:
			bits := paletteBits(len(t.pal) / 3)
			k := paletteRowBytes(t.r.Dx(), bits) * t.r.Dy()
			putIndexed(canvas, t.r, pix[:k], t.pal, bits)
			pix = pix[k:]
		case codecLossless:
			k := t.r.Dx() * t.r.Dy() * bpp
			if depth == depthFull {
				putRGB(canvas, t.r, pix[:k])
			} else {
				putPacked(canvas, t.r, pix[:k], depth)
			}
			pix = pix[k:]
		case codecJPEG:
			x0, y0 := slot%atlasCols*Tile, slot/atlasCols*Tile
			w := 4 * t.r.Dx()
			for y := range t.r.Dy() {
				copy(canvas.Pix[canvas.PixOffset(t.r.Min.X, t.r.Min.Y+y):][:w], d.atlas[(y0+y)*4*aw+4*x0:][:w])
			}
			slot++
		}
	}
	return d.tiles, nil
}

func fillRGBA(m *image.RGBA, r image.Rectangle, c [3]byte) {
	px := [4]byte{c[0], c[1], c[2], 0xff}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()*4]
		for x := 0; x < len(row); x += 4 {
			copy(row[x:x+4], px[:])
		}
	}
}

func putRGB(m *image.RGBA, r image.Rectangle, rgb []byte) {
	w := r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Pix[m.PixOffset(r.Min.X, y):][:w*4]
		src := rgb[(y-r.Min.Y)*w*3:][:w*3]
		for k := range w {
			s := src[3*k : 3*k+3 : 3*k+3]
			binary.LittleEndian.PutUint32(row[4*k:], uint32(s[0])|uint32(s[1])<<8|uint32(s[2])<<16|0xff<<24)
		}
	}
}

// putIndexed paints rectangle r of m with palette indices of bits each
// (rows padded to a byte); an index past the palette is its last colour
// (a forged body cannot read outside it).
func putIndexed(m *image.RGBA, r image.Rectangle, idx, pal []byte, bits int) {
	w := r.Dx()
	rowBytes := paletteRowBytes(w, bits)
	last := len(pal)/3 - 1
	mask := 1<<bits - 1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Pix[m.PixOffset(r.Min.X, y):][:w*4]
		in := idx[(y-r.Min.Y)*rowBytes:][:rowBytes]
		for k := range w {
			bit := k * bits
			i := min(int(in[bit/8])>>(8-bits-bit%8)&mask, last)
			c := pal[3*i : 3*i+3]
			row[4*k], row[4*k+1], row[4*k+2], row[4*k+3] = c[0], c[1], c[2], 0xff
		}
	}
}

// putPacked paints rectangle r of m with pixels packed at depth, expanded
// as reduceColours expands them.
func putPacked(m *image.RGBA, r image.Rectangle, src []byte, depth byte) {
	w := r.Dx()
	bpp := packedBytes(depth)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Pix[m.PixOffset(r.Min.X, y):][:w*4]
		in := src[(y-r.Min.Y)*w*bpp:][:w*bpp]
		for k := range w {
			var rd, g, b byte
			switch depth {
			case depth65536:
				v := uint16(in[2*k]) | uint16(in[2*k+1])<<8
				rd, g, b = byte(v>>11)<<3, byte(v>>5)<<2, byte(v)<<3
				rd, g, b = rd|rd>>5, g|g>>6, b|b>>5
			case depth256:
				v := in[k]
				rd, g, b = v&0xe0, v<<3&0xe0, v<<6
				rd, g, b = rd|rd>>3|rd>>6, g|g>>3|g>>6, b|b>>2|b>>4|b>>6
			default:
				rd, g, b = in[k], in[k], in[k]
			}
			row[4*k], row[4*k+1], row[4*k+2], row[4*k+3] = rd, g, b, 0xff
		}
	}
}

// reduceColours maps BGRX pixels to the colours of depth (Settings.Colours)
// in place, each channel's bits repeated into the low ones so that white
// stays white.
func reduceColours(pix []byte, depth string) {
	switch depth {
	case Colours65536:
		for i := 0; i+3 < len(pix); i += 4 {
			pix[i] = pix[i]&0xf8 | pix[i]>>5
			pix[i+1] = pix[i+1]&0xfc | pix[i+1]>>6
			pix[i+2] = pix[i+2]&0xf8 | pix[i+2]>>5
		}
	case Colours256:
		for i := 0; i+3 < len(pix); i += 4 {
			b := pix[i] & 0xc0
			pix[i] = b | b>>2 | b>>4 | b>>6
			g := pix[i+1] & 0xe0
			pix[i+1] = g | g>>3 | g>>6
			r := pix[i+2] & 0xe0
			pix[i+2] = r | r>>3 | r>>6
		}
	case ColoursGrey:
		for i := 0; i+3 < len(pix); i += 4 {
			y := byte((29*uint32(pix[i]) + 150*uint32(pix[i+1]) + 77*uint32(pix[i+2]) + 128) >> 8)
			pix[i], pix[i+1], pix[i+2] = y, y, y
		}
	}
}
