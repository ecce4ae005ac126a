package screen

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Sender is the novice's side of the screen protocol. The capture loop
// calls Offer with each frame; Offer never waits for the network: it copies
// the changed pixels into the sender's canvas and merges the changed tiles
// into a dirty set (16x16 cells of the 64x64 tiles). Run sends, whenever the
// stream and the viewer's acks allow it and at most MaxFPS times a second,
// one update with the current pixels of exactly the dirty part of each
// dirty tile. Memory is two screen-sized canvases (the one Offer
// writes and a copy the encoder reads while Offer goes on) and the encoded
// parts of one update, whatever the capture rate and the link speed.
type Sender struct {
	w       io.Writer
	r       io.Reader
	fr      *framing.FrameReader
	workers int

	wake chan struct{} // 1 slot: something to send, or an ack
	acks chan struct{} // 1 slot: an ack came (Acks)

	mu           sync.Mutex
	canvas       []byte // BGRX, stride 4*sw
	sw, sh       int
	settings     Settings
	haveSettings bool // the viewer has spoken: updates may start
	iw, ih       int
	scaler       *scaler // nil when iw, ih == sw, sh
	cols, rows   int
	dirty        []uint16 // per image tile, row-major: bit 4*cy+cx marks its 16x16 cell (cx, cy)
	ndirty       int      // tiles with a dirty cell
	key          bool     // the next update repaints everything
	seq, acked   uint64
	cursor       cursorMsg
	cursorSent   cursorMsg
	cursorSet    bool
	shape        []byte // pending MsgCursorShape body, nil if none
	lastSend     time.Time
	nextTake     time.Time // while only the pace or MaxFPS holds the dirty tiles back: when they may go
	// Busy regions: a tile's heat is its recent changes (each grab that
	// touched it adds 1, decaying with busyDecay); a hot tile is sent only
	// when the busy budget allows (busyNext), a cold one at once.
	heat     []float32
	heatAt   []int64    // when heat was last updated (ns since epoch, monotonic)
	offerSeq uint32     // Offers so far, to count a tile once per Offer
	heatSeq  []uint32   // the Offer that last heated each tile
	order    []int      // takeLocked's scratch: the dirty tiles in the order they go
	heats    []tileHeat // and their heats, to sort them
	busyNext time.Time
	pace     pacer // Settings.Auto
	// The top-off (Settings.Auto): tiles the viewer has lossy, and when
	// the screen last changed; still for topOffAfter, they are sent again
	// without loss.
	lossy      []bool
	lastChange time.Time
	paceSent   time.Time // when the viewer was last told the pace (MsgPace)
	topOff     bool      // the dirty tiles are a top-off: the next update is lossless
	markTime   int64     // the current Offer's time, for markLocked
	epoch      time.Time // heat times count from here (monotonic clock)
	staging    []byte    // the encoder's copy of canvas: written by takeLocked, read by sendUpdate, both on Run's goroutine; between updates, what the viewer has
	stats      Stats
	// scroll detection's row hashes (takeLocked), and how many large
	// updates to skip after one that was not a scroll (a video or a new
	// picture would pay ~3 ms per update for nothing)
	scrollOld, scrollNew []uint64
	scrollSkip           int

	// Run's goroutine only.
	encs []*tileEncoder
	outs [][]byte
}

type cursorMsg struct {
	x, y    int
	visible bool
}

// NewSender makes the novice's side: updates go to w, the viewer's
// messages come from r (usually both are the same stream).
func NewSender(w io.Writer, r io.Reader) *Sender {
	return &Sender{
		w: w, r: r, fr: framing.NewFrameReader(r, MaxMessage),
		workers: min(2, runtime.GOMAXPROCS(0)),
		wake:    make(chan struct{}, 1),
		acks:    make(chan struct{}, 1),
		epoch:   time.Now(),
		pace:    newPacer(),
	}
}

// Offer hands the sender the newest capture. It copies the dirty regions and
// returns at once, so the caller may reuse f's Pix and Dirty as soon as it
// returns; it is safe to call from any goroutine, before or during Run.
// Cursor shapes over MaxCursor on a side are not sent; f.Seq is not
// used.
func (s *Sender) Offer(f desktop.Frame) error {
	if !sizeOK(f.Width, f.Height) {
		return fmt.Errorf("offering a screen of %dx%d: over the limit of %d pixels a side, %d in all", f.Width, f.Height, MaxDim, MaxPixels)
	}
	if f.Stride < 4*f.Width || len(f.Pix) < f.Stride*(f.Height-1)+4*f.Width {
		return fmt.Errorf("offering a screen of %dx%d: stride %d and %d bytes of pixels are too few", f.Width, f.Height, f.Stride, len(f.Pix))
	}
	var shape []byte
	if c := f.Cursor; c.Shape != nil {
		m := c.Shape
		w, h := m.Rect.Dx(), m.Rect.Dy()
		if w >= 1 && h >= 1 && w <= MaxCursor && h <= MaxCursor && c.HotX >= 0 && c.HotX < w && c.HotY >= 0 && c.HotY < h {
			shape = make([]byte, 0, 8+w*h*4)
			for _, v := range [4]int{w, h, c.HotX, c.HotY} {
				shape = binary.AppendUvarint(shape, uint64(v))
			}
			for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
				shape = append(shape, m.Pix[m.PixOffset(m.Rect.Min.X, y):][:w*4]...)
			}
		}
	}

	s.mu.Lock()
	s.stats.Offers++
	bounds := image.Rect(0, 0, f.Width, f.Height)
	if s.canvas == nil || f.Width != s.sw || f.Height != s.sh {
		s.sw, s.sh = f.Width, f.Height
		s.canvas = make([]byte, 4*f.Width*f.Height)
		copyBGRX(s.canvas, 4*s.sw, f.Pix, f.Stride, bounds)
		s.lastChange = time.Now()
		s.resizeLocked()
	} else {
		s.offerSeq++
		s.markTime = int64(time.Since(s.epoch))
		for _, r := range f.Dirty {
			r = r.Intersect(bounds)
			if r.Empty() {
				continue
			}
			copyBGRX(s.canvas, 4*s.sw, f.Pix, f.Stride, r)
			s.lastChange = time.Now()
			if !s.key {
				s.markLocked(r)
			}
		}
	}
	s.cursor = cursorMsg{f.Cursor.X, f.Cursor.Y, f.Cursor.Visible}
	s.cursorSet = true
	if shape != nil {
		s.shape = shape
	}
	s.mu.Unlock()
	s.signal()
	return nil
}

// GrabHold is how long the capture loop may put off its next grab without
// delaying anything on the screen: while tiles wait for the pace or MaxFPS
// (a slow link), nothing, old or new, goes before then, and a grab now only
// adds to what waits. A grab grabLead before keeps what goes then fresh.
// With untilAck, the sender has as many updates in flight as it may: a
// grab is of no use before an ack comes (Acks), and it can come any time.
// Zero and false when the sender could use a grab now, or waits for the
// busy budget (which a change elsewhere passes). A scrolling xterm at the
// shaped benchmark's 0.5 Mbit/s step: 43 grabs a second before the hold
// for the pace, 31 with it; at 50 Mbit/s, with a 42 ms round trip, about
// half the grabs came while two updates were in flight.
func (s *Sender) GrabHold(now time.Time) (hold time.Duration, untilAck bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seq-s.acked >= ackWindow {
		return 0, true
	}
	if s.nextTake.IsZero() {
		return 0, false
	}
	return max(s.nextTake.Sub(now)-grabLead, 0), false
}

// Acks receives (one slot) when the viewer acknowledged an update, for a
// capture loop that GrabHold told to wait for one.
func (s *Sender) Acks() <-chan struct{} { return s.acks }

// grabLead is how long before the sender takes its next update a held
// grab happens: a grab takes about a millisecond here.
const grabLead = 2 * time.Millisecond

// SetPathRTT gives Automatic the transport's least round trip (QUIC
// measures it): with it a queue that never empties (a slow link with
// nothing small to send) cannot pass for the path's own delay. Call it
// before Run.
func (s *Sender) SetPathRTT(rtt func() time.Duration) {
	s.mu.Lock()
	s.pace.pathRTT = rtt
	s.mu.Unlock()
}

// Stats returns what was sent so far.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	if s.settings.Auto {
		r := s.pace.report()
		st.AutoRate, st.AutoCuts, st.AutoState, st.AutoQuality, st.AutoFPS = s.pace.rate, s.pace.cuts, r.State(), r.Quality, r.FPS
	}
	return st
}

func (s *Sender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// resizeLocked recomputes the image size after a new screen size or new
// settings, and asks for a key frame.
func (s *Sender) resizeLocked() {
	maxW, maxH := s.settings.MaxWidth, s.settings.MaxHeight
	if sc := s.settings.Scale; sc < 100 {
		limit := func(m, side int) int {
			if scaled := max((side*sc+50)/100, 1); m == 0 || scaled < m {
				return scaled
			}
			return m
		}
		maxW, maxH = limit(maxW, s.sw), limit(maxH, s.sh)
	}
	iw, ih := imageSize(s.sw, s.sh, maxW, maxH)
	if s.scaler == nil || s.scaler.sw != s.sw || s.scaler.sh != s.sh || s.iw != iw || s.ih != ih {
		s.scaler = nil
		if iw != s.sw || ih != s.sh {
			s.scaler = newScaler(s.sw, s.sh, iw, ih)
		}
	}
	s.iw, s.ih = iw, ih
	s.cols, s.rows = (iw+Tile-1)/Tile, (ih+Tile-1)/Tile
	if len(s.dirty) != s.cols*s.rows {
		s.dirty = make([]uint16, s.cols*s.rows)
	}
	// A new grid (or new settings: a key frame follows) starts cold.
	s.heat = make([]float32, s.cols*s.rows)
	s.heatAt = make([]int64, s.cols*s.rows)
	s.heatSeq = make([]uint32, s.cols*s.rows)
	s.lossy = make([]bool, s.cols*s.rows)
	s.key = true
}

// markLocked marks the 16x16 image cells that screen rectangle r affects.
// Cells, not tiles: one typed character re-sends a 16x32 rectangle (~150 B)
// rather than its whole 64x64 tile (~590 B of anti-aliased text).
func (s *Sender) markLocked(r image.Rectangle) {
	if s.scaler != nil {
		r = s.scaler.dstRect(r)
	}
	for ty := r.Min.Y / Tile; ty <= (r.Max.Y-1)/Tile; ty++ {
		y0 := max(r.Min.Y-ty*Tile, 0) / cellSide
		y1 := (min(r.Max.Y-ty*Tile, Tile) - 1) / cellSide
		for tx := r.Min.X / Tile; tx <= (r.Max.X-1)/Tile; tx++ {
			x0 := max(r.Min.X-tx*Tile, 0) / cellSide
			x1 := (min(r.Max.X-tx*Tile, Tile) - 1) / cellSide
			i := ty*s.cols + tx
			if s.dirty[i] == 0 {
				s.ndirty++
			}
			if s.heatSeq[i] != s.offerSeq {
				s.heatSeq[i] = s.offerSeq
				s.heat[i] = s.heatNow(i, s.markTime) + 1
				s.heatAt[i] = s.markTime
			}
			for cy := y0; cy <= y1; cy++ {
				for cx := x0; cx <= x1; cx++ {
					s.dirty[i] |= 1 << (4*cy + cx)
				}
			}
		}
	}
}

// cellSide is the side of the cells a tile's dirty part is made of.
const cellSide = Tile / 4

// dirtyRect is the part of tile rectangle t that mask's cells cover.
func dirtyRect(t image.Rectangle, mask uint16) image.Rectangle {
	var r image.Rectangle
	for c := range 16 {
		if mask&(1<<c) != 0 {
			cell := image.Rect(c%4*cellSide, c/4*cellSide, c%4*cellSide+cellSide, c/4*cellSide+cellSide)
			r = r.Union(cell.Add(t.Min))
		}
	}
	return r.Intersect(t)
}

// copyBGRX copies rectangle r between two BGRX buffers.
func copyBGRX(dst []byte, dstStride int, src []byte, srcStride int, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst[y*dstStride+4*r.Min.X:y*dstStride+4*r.Max.X], src[y*srcStride+4*r.Min.X:])
	}
}

// job is what the writer takes from the shared state in one go.
type job struct {
	copy           *rowCopy // rows moved before the tiles (scrolling), or nil
	cursor, shape  []byte   // message bodies, nil if none
	pace           []byte   // MsgPace body, nil if none is due
	update         bool
	key            bool
	seq            uint64
	sw, sh, iw, ih int
	scaler         *scaler
	tiles          []image.Rectangle
	quality        int
	lossless       bool
	colours        string
	palette        bool          // the viewer decodes palette tiles
	wait           time.Duration // > 0: an update is due after this long
	busy           bool          // hot tiles are in it: it is charged to the busy budget
}

// Busy regions. A tile that changed in more than ~16 grabs a second
// (heat ≥ 4 with a 250 ms decay: scrolling text, video) is "hot"; updates
// with hot tiles are paced to Settings.BusyKbps, while tiles that
// change now and then (typing, the pointer, a dialog; the latency probe,
// ~7 changes a second, peaks at heat 3.3) go at once. A scrolling xterm
// sent every grab cost 17.8 Mbit/s (x0vncserver 2.7 Mbit/s, RECIPES.md §C);
// nobody reads text that scrolls 60 times a second.
const (
	busyHeat  = 4
	busyDecay = 250 * time.Millisecond
)

// heatNow is tile i's heat decayed to time now (ns since epoch).
func (s *Sender) heatNow(i int, now int64) float32 {
	h := s.heat[i]
	if h == 0 {
		return 0
	}
	return h * float32(math.Exp(-float64(max(now-s.heatAt[i], 0))/float64(busyDecay)))
}

// takeLocked moves what is due to j: the cursor, and an update when the
// settings, the ack window and MaxFPS allow one, copying its tiles' source
// pixels to the staging canvas.
func (s *Sender) takeLocked(now time.Time, j *job) {
	*j = job{tiles: j.tiles[:0]}
	s.nextTake = time.Time{}
	if s.shape != nil {
		j.shape, s.shape = s.shape, nil
	}
	if s.cursorSet && s.cursor != s.cursorSent {
		c := s.cursor
		var flags byte
		if c.visible {
			flags = 1
		}
		j.cursor = binary.AppendVarint(binary.AppendVarint([]byte{flags}, int64(c.x)), int64(c.y))
		s.cursorSent = c
	}
	if s.settings.Auto && now.Sub(s.paceSent) >= paceReportEvery {
		j.pace = appendPace(nil, s.pace.report())
		s.paceSent = now
	}
	if s.haveSettings && s.canvas != nil && !s.key && s.ndirty == 0 && s.settings.Auto && !s.settings.Lossless {
		s.topOff, j.wait = s.topOffLocked(now)
	}
	if !s.haveSettings || s.canvas == nil || (!s.key && s.ndirty == 0) || s.seq-s.acked >= ackWindow {
		return
	}
	auto := s.settings.Auto
	quality, fps := s.settings.Quality, s.settings.MaxFPS
	if auto {
		if w := s.pace.wait(now); w > 0 {
			j.wait = w
			s.nextTake = now.Add(w)
			return
		}
		q, f := s.pace.choose()
		quality, fps = min(quality, q), min(fps, f)
	}
	if due := s.lastSend.Add(time.Second / time.Duration(fps)); now.Before(due) {
		j.wait = due.Sub(now)
		s.nextTake = due
		return
	}
	// Hot tiles wait for the busy budget; if only hot tiles are dirty,
	// nothing is sent until it allows them.
	busyOK := s.key || !now.Before(s.busyNext)
	nowNano := int64(now.Sub(s.epoch))
	if !busyOK {
		cold := false
		for i, mask := range s.dirty {
			if mask != 0 && s.heatNow(i, nowNano) < busyHeat {
				cold = true
				break
			}
		}
		if !cold {
			j.wait = s.busyNext.Sub(now)
			return
		}
	}
	s.lastSend = now
	if len(s.staging) != len(s.canvas) {
		s.staging = make([]byte, len(s.canvas))
	}
	if !s.key && s.scaler == nil && s.settings.Copy && s.ndirty >= scrollMinTiles {
		if s.scrollSkip > 0 {
			s.scrollSkip--
		} else if j.copy = s.scrollLocked(); j.copy == nil {
			s.scrollSkip = scrollSkipAfterMiss
		}
	}
	// Automatic sizes updates to the path (pacer.maxTiles), the tiles that
	// changed least lately first (a character typed, the pointer, a menu,
	// before the tiles of a scrolling text that change every update); the
	// rest wait, still dirty, for the next. A heat threshold alone could
	// not order them: a scrolling xterm's tiles here stay under it.
	order := s.order[:0]
	for i, mask := range s.dirty {
		if mask != 0 || s.key {
			order = append(order, i)
		}
	}
	limit := len(order)
	if auto && !s.key && len(order) > s.pace.maxTiles() {
		limit = s.pace.maxTiles()
		// Each tile's heat once (an exponential), not once a comparison.
		heats := s.heats[:0]
		for _, i := range order {
			heats = append(heats, tileHeat{i, s.heatNow(i, nowNano)})
		}
		slices.SortStableFunc(heats, func(a, b tileHeat) int { return cmp.Compare(a.heat, b.heat) })
		for k, h := range heats {
			order[k] = h.i
		}
		s.heats = heats
	}
	s.order = order
	all := s.key || (busyOK && s.ndirty == len(s.dirty) && s.ndirty <= limit)
	if all {
		copy(s.staging, s.canvas) // one memmove beats a row per tile
	}
	held := 0
	for _, i := range order {
		hot := s.heatNow(i, nowNano) >= busyHeat
		if (hot && !busyOK) || len(j.tiles) >= limit {
			held++
			continue
		}
		s.takeTileLocked(j, i, s.dirty[i], hot, all)
	}
	if auto && held > 0 && len(j.tiles) >= limit {
		s.pace.heldBack(now)
	}
	s.ndirty = held
	s.seq++
	j.update, j.key, j.seq = true, s.key, s.seq
	j.busy = j.busy || s.key
	s.key = false
	j.sw, j.sh, j.iw, j.ih, j.scaler = s.sw, s.sh, s.iw, s.ih, s.scaler
	j.quality, j.lossless, j.colours, j.palette = quality, s.settings.Lossless || s.topOff, s.settings.Colours, s.settings.Palette
	j.busy = j.busy || s.topOff
	s.topOff = s.topOff && s.ndirty > 0 // a top-off larger than an update goes on in the next
	if j.copy != nil {
		s.stats.Copies++
	}
}

// topOffAfter is how long the screen must stay still before its lossy
// tiles are sent again without loss (Chrome Remote Desktop does the same):
// a paused view is exact. Not on a slow path (a pace under
// topOffMinPace): there a lossless photo is seconds of the link, which a
// change made meanwhile would wait behind (the shaped benchmark's
// slideshow at 2 Mbit/s stalled for seconds behind 9 KB tiles).
const (
	topOffAfter   = time.Second
	topOffMinPace = 4e6 / 8 // bytes a second
)

// topOffLocked, with nothing dirty, marks the lossy tiles dirty once the
// screen has been still for topOffAfter (do reports whether it did), or
// says how long until then (wait; 0: there is nothing to top off).
func (s *Sender) topOffLocked(now time.Time) (do bool, wait time.Duration) {
	n := 0
	for _, l := range s.lossy {
		if l {
			n++
		}
	}
	if n == 0 {
		return false, 0
	}
	if s.pace.rate < topOffMinPace {
		return false, 0
	}
	if still := now.Sub(s.lastChange); still < topOffAfter {
		return false, topOffAfter - still
	}
	for i, l := range s.lossy {
		if l {
			s.dirty[i] = 0xffff
		}
	}
	s.ndirty = n
	return true, 0
}

// tileHeat is a tile and its heat now.
type tileHeat struct {
	i    int
	heat float32
}

// takeTileLocked puts dirty tile i (cells mask) in j and, unless all of
// staging was refreshed, copies its pixels to staging.
func (s *Sender) takeTileLocked(j *job, i int, mask uint16, hot, all bool) {
	j.busy = j.busy || hot
	s.dirty[i] = 0
	tx, ty := i%s.cols, i/s.cols
	r := image.Rect(tx*Tile, ty*Tile, min((tx+1)*Tile, s.iw), min((ty+1)*Tile, s.ih))
	if !s.key {
		r = dirtyRect(r, mask)
	}
	j.tiles = append(j.tiles, r)
	if !all {
		src := r
		if s.scaler != nil {
			src = s.scaler.srcRect(r)
		}
		copyBGRX(s.staging, 4*s.sw, s.canvas, 4*s.sw, src)
	}
}

// scrollLocked looks for a scroll over the dirty tiles (unscaled image,
// staging = what the viewer has). When it finds one it applies it to
// staging, as the viewer will, and clears the dirty tiles that the moved
// rows already make right.
func (s *Sender) scrollLocked() *rowCopy {
	area := image.Rectangle{}
	for i, mask := range s.dirty {
		if mask != 0 {
			tx, ty := i%s.cols, i/s.cols
			area = area.Union(image.Rect(tx*Tile, ty*Tile, (tx+1)*Tile, (ty+1)*Tile))
		}
	}
	area = area.Intersect(image.Rect(0, 0, s.iw, s.ih))
	if len(s.scrollOld) < area.Dy() {
		s.scrollOld, s.scrollNew = make([]uint64, s.ih), make([]uint64, s.ih)
	}
	c, ok := detectScroll(s.staging, s.canvas, 4*s.sw, area, s.scrollOld, s.scrollNew)
	if !ok {
		return nil
	}
	c.apply(s.staging, 4*s.sw, 4)
	for i, mask := range s.dirty {
		if mask == 0 {
			continue
		}
		tx, ty := i%s.cols, i/s.cols
		r := dirtyRect(image.Rect(tx*Tile, ty*Tile, min((tx+1)*Tile, s.iw), min((ty+1)*Tile, s.ih)), mask)
		if sameBGRX(s.staging, s.canvas, 4*s.sw, r) {
			s.dirty[i] = 0
			s.ndirty--
		}
	}
	return &c
}

// sameBGRX reports whether two buffers with the same stride agree over r.
func sameBGRX(a, b []byte, stride int, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := y*stride + 4*r.Min.X
		if !bytes.Equal(a[o:o+4*r.Dx()], b[o:o+4*r.Dx()]) {
			return false
		}
	}
	return true
}

// Run sends updates and reads the viewer's messages until ctx ends, the
// viewer hangs up (nil) or the stream fails. When ctx ends, Run unblocks its
// reads and writes with a deadline in the past if the stream has deadlines
// (libp2p streams and net.Conn do); the caller then closes or resets the
// stream. A reader without deadlines keeps Run's reading goroutine until the
// caller closes it.
func (s *Sender) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	readErr := make(chan error, 1)
	go func() { readErr <- s.readLoop() }()
	unblock := context.AfterFunc(ctx, func() { expireDeadlines(s.w, s.r) })
	err, readDone := s.writeLoop(ctx, readErr)
	cancel()
	if !readDone && hasReadDeadline(s.r) {
		<-readErr
	}
	unblock()
	if err != nil && parent.Err() != nil {
		return parent.Err() // a write cut short by the deadline
	}
	return err
}

func (s *Sender) writeLoop(ctx context.Context, readErr <-chan error) (error, bool) {
	var j job
	for {
		s.mu.Lock()
		s.takeLocked(time.Now(), &j)
		s.mu.Unlock()
		if j.shape != nil {
			if err := s.write(MsgCursorShape, j.shape); err != nil {
				return err, false
			}
		}
		if j.cursor != nil {
			if err := s.write(MsgCursor, j.cursor); err != nil {
				return err, false
			}
		}
		if j.pace != nil {
			if err := s.write(MsgPace, j.pace); err != nil {
				return err, false
			}
		}
		if j.update {
			if err := s.sendUpdate(&j); err != nil {
				return err, false
			}
			continue
		}
		var timer *time.Timer
		var due <-chan time.Time
		if j.wait > 0 {
			timer = time.NewTimer(j.wait)
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err(), false
		case err := <-readErr:
			return err, true
		case <-s.wake:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (s *Sender) write(t framing.MsgType, body []byte) error {
	frame := framing.AppendFrame(nil, t, body)
	if _, err := s.w.Write(frame); err != nil {
		return fmt.Errorf("sending screen message type %d: %w", t, err)
	}
	s.mu.Lock()
	s.stats.Bytes += int64(len(frame))
	s.stats.Cursor++
	s.mu.Unlock()
	return nil
}

// sendUpdate encodes j's tiles in parts, in parallel, and writes them in order.
func (s *Sender) sendUpdate(j *job) error {
	start := time.Now()
	n := len(j.tiles)
	nparts := (n + maxTilesPerPart - 1) / maxTilesPerPart
	if nparts < s.workers && n >= 16 {
		nparts = s.workers
	}
	nparts = max(nparts, 1)
	for len(s.encs) < min(s.workers, nparts) {
		s.encs = append(s.encs, newTileEncoder())
	}
	for len(s.outs) < nparts {
		s.outs = append(s.outs, nil)
	}
	parts := make([]part, nparts)
	for i := range parts {
		p := &parts[i]
		p.seq, p.screenW, p.screenH, p.imageW, p.imageH = j.seq, j.sw, j.sh, j.iw, j.ih
		p.quality, p.lossless, p.colours, p.palette = j.quality, j.lossless, j.colours, j.palette
		if j.key {
			p.flags |= flagKey
		}
		if i == nparts-1 {
			p.flags |= flagLast
		}
		if i == 0 && j.copy != nil {
			p.flags |= flagCopy
			p.copy = j.copy
		}
		// Round-robin spreads a photo region over both workers.
		p.tiles = make([]image.Rectangle, 0, (n+nparts-1)/nparts)
		for k := i; k < n; k += nparts {
			p.tiles = append(p.tiles, j.tiles[k])
		}
	}
	// Each body is encoded after framing.HeaderRoom bytes, where its frame
	// header goes once its length is known: no copy of the body.
	errs := make([]error, nparts)
	encodeFrom := func(wk int) {
		for i := wk; i < nparts; i += len(s.encs) {
			room := append(s.outs[i][:0], make([]byte, framing.HeaderRoom)...)
			s.outs[i], errs[i] = s.encs[wk].encode(room, s.staging, 4*j.sw, j.scaler, &parts[i])
		}
	}
	if len(s.encs) == 1 {
		encodeFrom(0)
	} else {
		var wg sync.WaitGroup
		for wk := 1; wk < len(s.encs); wk++ {
			wg.Go(func() { encodeFrom(wk) })
		}
		encodeFrom(0)
		wg.Wait()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("encoding screen update: %w", err)
	}
	wrote := time.Now()
	took := wrote.Sub(start)
	var written int64
	for i := range parts {
		frame := framing.Roomed(s.outs[i], MsgUpdate)
		if _, err := s.w.Write(frame); err != nil {
			return fmt.Errorf("sending screen update: %w", err)
		}
		written += int64(len(frame))
	}
	s.mu.Lock()
	st := &s.stats
	st.Bytes += written
	st.Updates++
	if j.key {
		st.KeyFrames++
	}
	st.Parts += int64(nparts)
	for _, p := range parts {
		st.TilesSolid += int64(p.nSolid)
		st.TilesLossless += int64(p.nLossless)
		st.TilesJPEG += int64(p.nJPEG)
		s.noteLossyLocked(p, j.iw, j.ih)
	}
	st.EncodeTime += took
	s.pace.sent(j.seq, wrote, int(written), len(j.tiles))
	if j.busy {
		// The budget's time for what was sent: bytes ÷ (kbit/s ÷ 8).
		// At most a second: a key frame (every tile, charged too) must not
		// hold busy regions back for long after a resize. Automatic gives
		// busy regions at most half of what the path carries.
		kbps := int64(s.settings.BusyKbps)
		if s.settings.Auto {
			kbps = max(min(kbps, int64(s.pace.rate*8/1000/2)), 1)
		}
		s.busyNext = start.Add(min(time.Duration(written*8*int64(time.Millisecond)/kbps), time.Second))
	}
	s.mu.Unlock()
	return nil
}

// noteLossyLocked records which tiles the viewer now has lossy (a JPEG
// in them) and which exactly (the whole tile sent without loss), for the
// top-off.
func (s *Sender) noteLossyLocked(p part, iw, ih int) {
	if iw != s.iw || ih != s.ih || len(s.lossy) != s.cols*s.rows {
		return // the grid changed meanwhile: a key frame follows
	}
	for k, r := range p.tiles {
		i := r.Min.Y/Tile*s.cols + r.Min.X/Tile
		whole := r.Min.X%Tile == 0 && r.Min.Y%Tile == 0 && (r.Dx() == Tile || r.Max.X == iw) && (r.Dy() == Tile || r.Max.Y == ih)
		switch {
		case k < len(p.jpeg) && p.jpeg[k]:
			s.lossy[i] = true
		case whole:
			s.lossy[i] = false
		}
	}
}

// readLoop reads the viewer's messages; nil when the viewer hung up.
func (s *Sender) readLoop() error {
	for {
		t, body, err := s.fr.ReadFrame()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading viewer message: %w", err)
		}
		if err := s.handle(t, body); err != nil {
			return err
		}
		s.signal()
	}
}

func (s *Sender) handle(t framing.MsgType, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch t {
	case MsgSettings:
		var set Settings
		if err := json.Unmarshal(body, &set); err != nil {
			return fmt.Errorf("decoding screen settings: %w", err)
		}
		s.settings, s.haveSettings = set.normalized(), true
		if s.canvas != nil {
			s.resizeLocked()
		}
	case MsgKeyRequest:
		if len(body) != 0 {
			return fmt.Errorf("reading key frame request: %d bytes of body", len(body))
		}
		s.key = true
	case MsgAck:
		w := framing.NewBody(body)
		seq := w.Uvarint("ack")
		if err := w.End(); err != nil {
			return fmt.Errorf("reading ack: %w", err)
		}
		if seq > s.seq {
			return fmt.Errorf("reading ack: update %d acknowledged, only %d sent", seq, s.seq)
		}
		s.acked = max(s.acked, seq)
		s.pace.acked(seq, time.Now())
		select {
		case s.acks <- struct{}{}:
		default:
		}
	default:
		return fmt.Errorf("reading viewer message: unexpected type %d", t)
	}
	return nil
}

// expireDeadlines unblocks pending reads and writes on streams that have deadlines.
func expireDeadlines(w io.Writer, r io.Reader) {
	past := time.Unix(1, 0)
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		_ = d.SetWriteDeadline(past)
	}
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(past)
	}
}

func hasReadDeadline(r io.Reader) bool {
	_, ok := r.(interface{ SetReadDeadline(time.Time) error })
	return ok
}
