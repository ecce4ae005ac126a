package screen

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/wake"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Receiver is the viewer's side of the screen protocol. Run decodes
// updates into the receiver's own canvas on Run's goroutine and, after the
// last part of each update, copies the tiles it changed into the shown
// image; WithLatest lends that image to the renderer, which copies what
// changed (into a texture, a shared-memory segment) while it holds it: the
// next update waits for it, so it never sees half an update. Its Cells say
// which tiles changed in which version, so the renderer need not compare
// pixels. Two copies of the picture in all, the canvas and the shown one:
// a third, so the renderer could keep one between frames, was ~7 MB of the
// helper's memory at 1920x1080 for nothing (it copies anyway).
type Receiver struct {
	r       io.Reader
	w       io.Writer
	fr      *framing.FrameReader
	updated chan struct{} // 1 slot: a new image or cursor
	wake    chan struct{} // 1 slot: a message for the sender

	// Run's goroutine only.
	dec        *tileDecoder
	work       *image.RGBA
	workScreen image.Point
	cellGen    []uint64 // per 64x64 cell of work: the version that last painted it
	cols       int
	inUpdate   bool
	cur        partHeader
	lastSeq    uint64
	version    uint64

	// shown is the newest complete image, copied from work at the end of
	// each update (publish) and lent under shownMu (WithLatest).
	shownMu sync.Mutex
	shown   *snapshot

	mu            sync.Mutex
	cursor        desktop.Cursor
	settings      Settings
	settingsDirty bool
	keyRequest    bool
	ack           uint64
	ackDirty      bool
	// allowW, allowH: the largest image any settings given so far allow
	// (MaxDim for no limit). The viewer's own pane bounds what a
	// sender can make it allocate; 0 until settings are given.
	allowW, allowH int
	link           Link
}

// Link is what the viewer knows of the screen's path, for the helper's
// connection line: counts since Run began (the caller takes rates from two
// readings) and the sender's last word on its pace (zero without
// Automatic).
type Link struct {
	Updates int64 // complete updates drawn
	Bytes   int64 // bytes of screen messages received
	Pace    Pace
}

// Link returns what is known of the path now.
func (r *Receiver) Link() Link {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.link
}

type snapshot struct {
	img     *image.RGBA
	version uint64   // the work canvas's version it holds
	cells   []uint64 // cellGen as of that version
	screen  image.Point
}

// A View's Cells are the receiver's cells.
var _ [Tile - desktop.CellSize]struct{} = [desktop.CellSize - Tile]struct{}{}

// NewReceiver makes the viewer's side: updates come from r, the
// viewer's messages go to w (usually both are the same stream). Set the
// settings before Run so the first key frame is already scaled.
func NewReceiver(r io.Reader, w io.Writer) *Receiver {
	return &Receiver{
		r: r, w: w, fr: framing.NewFrameReader(r, MaxMessage),
		updated: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		settingsDirty: true, settings: Settings{Copy: true},
	}
}

// SetSettings sends new settings to the sender, which answers with a key
// frame. It never blocks; only the newest settings are sent. Called before
// Run, it replaces the defaults the viewer would send first. The receiver
// refuses images larger than any settings given allowed.
func (r *Receiver) SetSettings(s Settings) {
	r.mu.Lock()
	r.setSettingsLocked(s)
	r.mu.Unlock()
	wake.Signal(r.wake)
}

func (r *Receiver) setSettingsLocked(s Settings) {
	s.Copy, s.Palette = true, true // this viewer applies copies and decodes palettes
	r.settings, r.settingsDirty = s, true
	allow := func(v int) int {
		if v <= 0 {
			return MaxDim
		}
		return min(v, MaxDim)
	}
	r.allowW, r.allowH = max(r.allowW, allow(s.MaxWidth)), max(r.allowH, allow(s.MaxHeight))
}

// RequestKeyFrame asks the sender to repaint the whole image. It never blocks.
func (r *Receiver) RequestKeyFrame() {
	r.mu.Lock()
	r.keyRequest = true
	r.mu.Unlock()
	wake.Signal(r.wake)
}

// Updated is signalled (one slot, never closed) after a new image or cursor
// state is published, e.g. to schedule a redraw.
func (r *Receiver) Updated() <-chan struct{} { return r.updated }

// WithLatest calls fn with the newest complete state (render.FrameSource).
// Its Image and Cells are the receiver's own, lent for the call: they must
// not be kept or modified, and the next update waits until fn returns, so
// fn copies what it needs and returns. Its Cursor's Shape is the newest
// shape, nil until the sender sent one.
func (r *Receiver) WithLatest(fn func(desktop.View)) {
	r.mu.Lock()
	v := desktop.View{Cursor: r.cursor}
	r.mu.Unlock()
	r.shownMu.Lock()
	defer r.shownMu.Unlock()
	if b := r.shown; b != nil {
		v.Image, v.Version, v.Cells, v.Screen = b.img, b.version, b.cells, b.screen
	}
	fn(v)
}

// Latest returns a copy of the newest complete state, for a caller that
// keeps it (a test, a screenshot); a renderer uses WithLatest.
func (r *Receiver) Latest() desktop.View {
	var v desktop.View
	r.WithLatest(func(l desktop.View) {
		v = l
		if l.Image != nil {
			v.Image = &image.RGBA{Pix: slices.Clone(l.Image.Pix), Stride: l.Image.Stride, Rect: l.Image.Rect}
			v.Cells = slices.Clone(l.Cells)
		}
	})
	return v
}

// Run reads and draws updates until ctx ends, the sender hangs up (nil) or a
// message breaks the protocol (the caller resets the stream and logs the
// error). Deadlines are used as in Sender.Run.
func (r *Receiver) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	r.dec = newTileDecoder()
	defer r.dec.close()
	writeErr := make(chan error, 1)
	go func() { writeErr <- r.writeLoop(ctx) }()
	unblock := context.AfterFunc(ctx, func() { expireDeadlines(r.w, r.r) })
	defer unblock()
	readErr := make(chan error, 1)
	go func() { readErr <- r.readLoop() }()
	var err error
	select {
	case err = <-readErr:
		cancel()
		<-writeErr
	case err = <-writeErr:
		cancel()
		if hasReadDeadline(r.r) {
			<-readErr
		}
	case <-ctx.Done():
		err = ctx.Err()
		<-writeErr
		if hasReadDeadline(r.r) {
			<-readErr
		}
	}
	if err != nil && parent.Err() != nil {
		return parent.Err() // a read or write cut short by the deadline
	}
	return err
}

func (r *Receiver) readLoop() error {
	for {
		// The body is handled before the next read: nothing keeps it.
		t, body, err := r.fr.ReadFrameReused()
		if err == io.EOF {
			if r.inUpdate {
				return fmt.Errorf("reading screen update: %w", io.ErrUnexpectedEOF)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading screen message: %w", err)
		}
		r.mu.Lock()
		r.link.Bytes += int64(len(body)) + 1
		r.mu.Unlock()
		if err := r.handle(t, body); err != nil {
			return err
		}
	}
}

// writeLoop sends settings, key frame requests and acks as they come.
func (r *Receiver) writeLoop(ctx context.Context) error {
	for {
		r.mu.Lock()
		var msgs []byte
		if r.settingsDirty {
			if r.allowW == 0 {
				r.setSettingsLocked(r.settings) // the defaults, never set
			}
			b, err := json.Marshal(r.settings)
			if err != nil {
				r.mu.Unlock()
				return fmt.Errorf("encoding screen settings: %w", err)
			}
			msgs = framing.AppendFrame(msgs, MsgSettings, b)
			r.settingsDirty = false
		}
		if r.keyRequest {
			msgs = framing.AppendFrame(msgs, MsgKeyRequest, nil)
			r.keyRequest = false
		}
		if r.ackDirty {
			msgs = framing.AppendFrame(msgs, MsgAck, binary.AppendUvarint(nil, r.ack))
			r.ackDirty = false
		}
		r.mu.Unlock()
		if len(msgs) > 0 {
			if _, err := r.w.Write(msgs); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("sending viewer message: %w", err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		}
	}
}

// handle decodes one message from the sender.
func (r *Receiver) handle(t framing.MsgType, body []byte) error {
	w := framing.NewBody(body)
	switch t {
	case MsgUpdate:
		return r.handleUpdate(w)
	case MsgCursor:
		flags := w.U8("cursor flags")
		if flags&^1 != 0 {
			w.Failf("cursor flags: unknown bits in %#x", flags)
		}
		x, y := w.SInt("cursor x", math.MinInt32, math.MaxInt32), w.SInt("cursor y", math.MinInt32, math.MaxInt32)
		if err := w.End(); err != nil {
			return fmt.Errorf("reading cursor: %w", err)
		}
		r.mu.Lock()
		r.cursor.X, r.cursor.Y, r.cursor.Visible = x, y, flags&1 != 0
		r.mu.Unlock()
	case MsgPace:
		p := readPace(w)
		if err := w.End(); err != nil {
			return fmt.Errorf("reading pace: %w", err)
		}
		r.mu.Lock()
		r.link.Pace = p
		r.mu.Unlock()
		return nil
	case MsgCursorShape:
		cw := w.Int("cursor width", 1, MaxCursor)
		ch := w.Int("cursor height", 1, MaxCursor)
		hx, hy := w.Int("cursor hot spot x", 0, cw-1), w.Int("cursor hot spot y", 0, ch-1)
		pix := w.Bytes("cursor pixels", cw*ch*4)
		if err := w.End(); err != nil {
			return fmt.Errorf("reading cursor shape: %w", err)
		}
		m := image.NewRGBA(image.Rect(0, 0, cw, ch))
		copy(m.Pix, pix)
		r.mu.Lock()
		r.cursor.Shape, r.cursor.HotX, r.cursor.HotY = m, hx, hy
		r.mu.Unlock()
	default:
		return fmt.Errorf("reading screen message: unexpected type %d", t)
	}
	wake.Signal(r.updated)
	return nil
}

func (r *Receiver) handleUpdate(w *framing.Body) error {
	h := parsePartHeader(w)
	if err := w.Err(); err != nil {
		return fmt.Errorf("reading screen update: %w", err)
	}
	if r.inUpdate {
		if h.flags&flagCopy != 0 {
			return fmt.Errorf("reading screen update %d: a copy after the first part", h.seq)
		}
		a, b := h, r.cur
		a.flags &^= flagLast
		b.flags &^= flagLast | flagCopy
		b.copy = rowCopy{}
		if a != b {
			return fmt.Errorf("reading screen update %d: a part that does not match the first of update %d", h.seq, r.cur.seq)
		}
	} else {
		if h.seq != r.lastSeq+1 {
			return fmt.Errorf("reading screen update: number %d after %d", h.seq, r.lastSeq)
		}
		r.mu.Lock()
		aw, ah := r.allowW, r.allowH
		r.mu.Unlock()
		if h.imageW > aw || h.imageH > ah {
			return fmt.Errorf("reading screen update %d: an image of %dx%d, larger than the viewer's settings allow (%dx%d)", h.seq, h.imageW, h.imageH, aw, ah)
		}
		switch {
		case h.flags&flagKey != 0:
			if r.work == nil || r.work.Rect.Dx() != h.imageW || r.work.Rect.Dy() != h.imageH {
				r.work = image.NewRGBA(image.Rect(0, 0, h.imageW, h.imageH))
				r.cols = (h.imageW + Tile - 1) / Tile
				r.cellGen = make([]uint64, r.cols*((h.imageH+Tile-1)/Tile))
			}
			r.workScreen = image.Pt(h.screenW, h.screenH)
		case r.work == nil:
			return errors.New("reading screen update: the first update is not a key frame")
		case r.work.Rect.Dx() != h.imageW || r.work.Rect.Dy() != h.imageH || r.workScreen != image.Pt(h.screenW, h.screenH):
			return fmt.Errorf("reading screen update %d: size changed without a key frame", h.seq)
		}
		r.cur, r.inUpdate = h, true
		if h.flags&flagCopy != 0 {
			h.copy.apply(r.work.Pix, r.work.Stride, 4)
			r.markCells(h.copy.rect, r.version+1)
		}
	}
	tiles, err := r.dec.decode(w, r.work, h.depth)
	if err != nil {
		return fmt.Errorf("reading screen update %d: %w", h.seq, err)
	}
	gen := r.version + 1
	for _, t := range tiles {
		r.markCells(t.r, gen)
	}
	if h.flags&flagLast == 0 {
		return nil
	}
	r.inUpdate, r.lastSeq, r.version = false, h.seq, gen
	r.publish()
	r.mu.Lock()
	r.ack, r.ackDirty = h.seq, true
	r.link.Updates++
	r.mu.Unlock()
	wake.Signal(r.wake)
	wake.Signal(r.updated)
	return nil
}

// markCells records that the tiles under rectangle rr changed in version gen.
func (r *Receiver) markCells(rr image.Rectangle, gen uint64) {
	for cy := rr.Min.Y / Tile; cy <= (rr.Max.Y-1)/Tile; cy++ {
		for cx := rr.Min.X / Tile; cx <= (rr.Max.X-1)/Tile; cx++ {
			r.cellGen[cy*r.cols+cx] = gen
		}
	}
}

// publish copies into the shown image the tiles painted since it was
// last copied to (all of them into a new one: the first, or a new size).
func (r *Receiver) publish() {
	r.shownMu.Lock()
	defer r.shownMu.Unlock()
	b := r.shown
	if b == nil || b.img.Rect != r.work.Rect {
		b = &snapshot{img: image.NewRGBA(r.work.Rect)}
		r.shown = b
	}
	bw, bh := r.work.Rect.Dx(), r.work.Rect.Dy()
	for i, g := range r.cellGen {
		if g <= b.version {
			continue
		}
		x0, y0 := i%r.cols*Tile, i/r.cols*Tile
		x1, y1 := min(x0+Tile, bw), min(y0+Tile, bh)
		for y := y0; y < y1; y++ {
			o := r.work.PixOffset(x0, y)
			copy(b.img.Pix[o:o+(x1-x0)*4], r.work.Pix[o:])
		}
	}
	b.version, b.screen = r.version, r.workScreen
	b.cells = append(b.cells[:0], r.cellGen...)
}
