package screen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"net"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/wiretest"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// unhex decodes hex written with spaces and newlines for readability.
var unhex = wiretest.Unhex

// flushScreen makes the sender send what is due now, as Run would, without
// waiting for acks or MaxFPS.
func flushScreen(t testing.TB, s *Sender) {
	t.Helper()
	var j job
	s.mu.Lock()
	s.acked, s.lastSend = s.seq, time.Time{}
	s.takeLocked(time.Now(), &j)
	s.mu.Unlock()
	if j.shape != nil {
		if err := s.write(MsgCursorShape, j.shape); err != nil {
			t.Fatal(err)
		}
	}
	if j.cursor != nil {
		if err := s.write(MsgCursor, j.cursor); err != nil {
			t.Fatal(err)
		}
	}
	if j.update {
		if err := s.sendUpdate(&j); err != nil {
			t.Fatal(err)
		}
	}
}

// newTestSender is a sender writing to w that has had the viewer's settings.
func newTestSender(t testing.TB, w io.Writer, set string) *Sender {
	t.Helper()
	s := NewSender(w, bytes.NewReader(nil))
	if err := s.handle(MsgSettings, []byte(set)); err != nil {
		t.Fatal(err)
	}
	return s
}

// feedReceiver runs a receiver on in as the sender's side and returns its
// error and what it allocated.
func feedReceiver(in []byte) (*Receiver, error, uint64) {
	r := NewReceiver(bytes.NewReader(in), io.Discard)
	r.SetSettings(Settings{}) // no limit, known before the first update
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := r.Run(context.Background())
	runtime.ReadMemStats(&after)
	return r, err, after.TotalAlloc - before.TotalAlloc
}

// goldenUpdate is a 66x2 screen: a solid 64x2 tile and a 2x2 tile of four colours.
func goldenUpdateFrame(t testing.TB) []byte {
	m := image.NewRGBA(image.Rect(0, 0, 66, 2))
	for i := 0; i < len(m.Pix); i += 4 {
		copy(m.Pix[i:], []byte{10, 20, 30, 255})
	}
	for i, c := range [][3]byte{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}} {
		copy(m.Pix[m.PixOffset(64+i%2, i/2):], c[:])
	}
	var buf bytes.Buffer
	s := newTestSender(t, &buf, `{"palette":true}`)
	if err := s.Offer(toBGRX(m)); err != nil {
		t.Fatal(err)
	}
	flushScreen(t, s)
	return buf.Bytes()
}

// Golden frames of the screen protocol. A change here is a wire change (see
// protocols.go); the zstd bytes may change with the library and still decode.
const (
	// len 47, type 0x20 | seq 1 | flags key|last | screen 66x2 | image 66x2 | 2 tiles:
	// (0,0,64,2) solid 0a141e; (64,0,2,2) palette of 4 (03): 010203 040506
	// 070809 0a0b0c | zLen 11: zstd magic, descriptor 00, window 1 KiB, one
	// raw last block of 2 bytes (110000): the indices, 2 bits each, a row a
	// byte: 00 01 → 10, 10 11 → b0 | jLen 0
	goldenScreenUpdate = `2f 20 01 03 42 02 42 02 02
		00 00 40 02 00 0a141e
		40 00 02 02 03 03 010203 040506 070809 0a0b0c
		0b 28b52ffd 00 00 110000 10b0
		00`
	// sender → a viewer that asked for Automatic: pace 2000 kbit/s, round
	// trip 42 ms, photo quality 55, up to 25 frames a second
	goldenScreenPace = `06 26 d00f 2a 37 19`
	// visible, x 100, y -3 (zig-zag varints)
	goldenScreenCursor = `05 21 01 c801 05`
	// 2x1 shape, hot spot (1,0), two RGBA pixels
	goldenScreenShape = `0d 22 02 01 01 00 ff000080 00ff0080`
	// viewer: settings, key request, ack of update 300
	goldenScreenSettings = `3f 23 7b226d61785f7769647468223a313238302c226d61785f686569676874223a3732302c22636f7079223a747275652c2270616c65747465223a747275657d`
	goldenScreenKey      = `01 24`
	goldenScreenAck      = `03 25 ac02`
)

func TestScreenGolden(t *testing.T) {
	want := unhex(t, goldenScreenUpdate)
	if got := goldenUpdateFrame(t); !bytes.Equal(got, want) {
		t.Errorf("update:\n got %x\nwant %x", got, want)
	}

	var buf bytes.Buffer
	s := newTestSender(t, &buf, `{}`)
	shape := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(shape.Pix, []byte{0xff, 0, 0, 0x80, 0, 0xff, 0, 0x80})
	if err := s.Offer(desktop.Frame{Width: 1, Height: 1, Stride: 4, Pix: make([]byte, 4), Cursor: desktop.Cursor{X: 100, Y: -3, Visible: true, Shape: shape, HotX: 1}}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.haveSettings = false // cursor only
	s.mu.Unlock()
	flushScreen(t, s)
	if want := append(unhex(t, goldenScreenShape), unhex(t, goldenScreenCursor)...); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("cursor:\n got %x\nwant %x", buf.Bytes(), want)
	}

	// Decode them back.
	in := unhex(t, goldenScreenShape+goldenScreenCursor+goldenScreenUpdate)
	r, err, _ := feedReceiver(in)
	if err != nil {
		t.Fatal(err)
	}
	v := r.Latest()
	if v.Image == nil || v.Image.Rect != image.Rect(0, 0, 66, 2) || v.Screen != image.Pt(66, 2) || v.Version != 1 {
		t.Fatalf("view %+v", v)
	}
	for _, px := range []struct {
		x, y int
		c    [4]byte
	}{{0, 0, [4]byte{10, 20, 30, 255}}, {63, 1, [4]byte{10, 20, 30, 255}}, {64, 0, [4]byte{1, 2, 3, 255}}, {65, 1, [4]byte{10, 11, 12, 255}}} {
		if got := [4]byte(v.Image.Pix[v.Image.PixOffset(px.x, px.y):]); got != px.c {
			t.Errorf("pixel (%d,%d) = %v, want %v", px.x, px.y, got, px.c)
		}
	}
	c := v.Cursor
	if c.X != 100 || c.Y != -3 || !c.Visible || c.HotX != 1 || c.HotY != 0 || !bytes.Equal(c.Shape.Pix, shape.Pix) {
		t.Errorf("cursor %+v", c)
	}

	// The viewer's messages, both ways.
	ctx, cancel := context.WithCancel(context.Background())
	vb := &cancelWriter{cancel: cancel}
	r = NewReceiver(bytes.NewReader(nil), vb)
	r.SetSettings(Settings{MaxWidth: 1280, MaxHeight: 720})
	r.RequestKeyFrame()
	r.mu.Lock()
	r.ack, r.ackDirty = 300, true
	r.mu.Unlock()
	r.writeLoop(ctx)
	wantV := unhex(t, goldenScreenSettings+goldenScreenKey+goldenScreenAck)
	if !bytes.Equal(vb.Bytes(), wantV) {
		t.Errorf("viewer messages:\n got %x\nwant %x", vb.Bytes(), wantV)
	}
	s = NewSender(io.Discard, nil)
	s.seq = 300
	fr := framing.NewFrameReader(bytes.NewReader(wantV), MaxMessage)
	for {
		typ, body, err := fr.ReadFrame()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = s.handle(typ, body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.settings.MaxWidth != 1280 || s.settings.MaxHeight != 720 || s.settings.Quality != 80 || s.settings.MaxFPS != 60 || !s.key || s.acked != 300 {
		t.Errorf("sender after the viewer's messages: settings %+v key %v acked %d", s.settings, s.key, s.acked)
	}
}

// cancelWriter cancels a context after its first write.
type cancelWriter struct {
	bytes.Buffer
	cancel func()
}

func (w *cancelWriter) Write(b []byte) (int, error) {
	defer w.cancel()
	return w.Buffer.Write(b)
}

// wireTile is a tile as a hand-written sender puts it.
type wireTile struct {
	x, y, w, h int
	codec      byte
	rgb        []byte // solid only
}

func updateFrame(seq uint64, flags byte, sw, sh, iw, ih int, tiles []wireTile, z, j []byte) []byte {
	b := binary.AppendUvarint(nil, seq)
	b = append(b, flags)
	for _, v := range []int{sw, sh, iw, ih, len(tiles)} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	for _, t := range tiles {
		for _, v := range []int{t.x, t.y, t.w, t.h} {
			b = binary.AppendUvarint(b, uint64(v))
		}
		b = append(b, t.codec)
		b = append(b, t.rgb...)
	}
	b = binary.AppendUvarint(b, uint64(len(z)))
	b = append(b, z...)
	b = binary.AppendUvarint(b, uint64(len(j)))
	b = append(b, j...)
	return framing.AppendFrame(nil, MsgUpdate, b)
}

// depthFrame is a key update of a 64x64 image of one solid tile whose
// header says colour depth d.
func depthFrame(d byte) []byte {
	b := []byte{1, keyLast | flagDepth, 64, 64, 64, 64, d, 1, 0, 0, 64, 64, codecSolid, 1, 2, 3, 0, 0}
	return framing.AppendFrame(nil, MsgUpdate, b)
}

// copyFrame is an update of a 64x64 image with copy c (x, y, w, h, dy) and
// no tiles.
func copyFrame(seq uint64, flags byte, c [5]int) []byte {
	b := binary.AppendUvarint(nil, seq)
	b = append(b, flags)
	for _, v := range []int{64, 64, 64, 64, c[0], c[1], c[2], c[3]} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = binary.AppendVarint(b, int64(c[4]))
	b = append(b, 0, 0, 0) // no tiles, no zstd, no JPEG
	return framing.AppendFrame(nil, MsgUpdate, b)
}

func zstdOf(t testing.TB, raw []byte) []byte {
	e, err := zstd.NewWriter(nil, zstd.WithWindowSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return e.EncodeAll(raw, nil)
}

func jpegOf(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const keyLast = flagKey | flagLast

func TestScreenReceiverFailures(t *testing.T) {
	solid := []wireTile{{0, 0, 64, 64, codecSolid, []byte{1, 2, 3}}}
	key := updateFrame(1, keyLast, 64, 64, 64, 64, solid, nil, nil)
	lossless := []wireTile{{0, 0, 64, 64, codecLossless, nil}}
	oneJPEG := []wireTile{{0, 0, 64, 64, codecJPEG, nil}}
	twoJPEG := []wireTile{{0, 0, 64, 64, codecJPEG, nil}, {64, 0, 64, 64, codecJPEG, nil}}
	good := jpegOf(t, 64, 64)

	// 16 MB of zeros: with the size in the frame header, and streamed
	// without it.
	bomb := zstdOf(t, make([]byte, 16<<20))
	var streamed bytes.Buffer
	zw, _ := zstd.NewWriter(&streamed, zstd.WithWindowSize(1<<20))
	zeros := make([]byte, 1<<20)
	for range 16 {
		zw.Write(zeros)
	}
	zw.Close()

	// A JPEG whose frame header claims 60000x60000.
	huge := append([]byte{}, good...)
	if i := bytes.Index(huge, []byte{0xff, 0xc0}); i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	} else {
		binary.BigEndian.PutUint16(huge[i+5:], 60000)
		binary.BigEndian.PutUint16(huge[i+7:], 60000)
	}
	many := make([]wireTile, 257)
	for i := range many {
		many[i] = wireTile{i % 64, 0, 1, 1, codecSolid, []byte{0, 0, 0}}
	}
	cat := func(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

	for name, in := range map[string][]byte{
		"a tile outside the image":                updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{60, 0, 8, 8, codecSolid, []byte{1, 2, 3}}}, nil, nil),
		"a tile starting past the image":          updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{64, 0, 1, 1, codecSolid, []byte{1, 2, 3}}}, nil, nil),
		"a tile wider than 64 pixels":             updateFrame(1, keyLast, 128, 64, 128, 64, []wireTile{{0, 0, 65, 1, codecSolid, []byte{1, 2, 3}}}, nil, nil),
		"a tile of no pixels":                     updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 0, 1, codecSolid, []byte{1, 2, 3}}}, nil, nil),
		"a frame over 4 MiB":                      cat(key, binary.AppendUvarint(nil, MaxMessage+1), []byte{byte(MsgUpdate)}),
		"a screen 9000 pixels wide":               updateFrame(1, keyLast, 9000, 64, 64, 64, solid, nil, nil),
		"a screen of 8192x8192, over the area":    updateFrame(1, keyLast, 8192, 8192, 8192, 8192, solid, nil, nil),
		"an image larger than the screen":         updateFrame(1, keyLast, 64, 64, 128, 64, solid, nil, nil),
		"an image of width 0":                     updateFrame(1, keyLast, 64, 64, 0, 64, solid, nil, nil),
		"a zstd bomb with its size in the header": updateFrame(1, keyLast, 64, 64, 64, 64, lossless, bomb, nil),
		"a zstd bomb without its size":            updateFrame(1, keyLast, 64, 64, 64, 64, lossless, streamed.Bytes(), nil),
		"zstd data shorter than its tiles":        updateFrame(1, keyLast, 64, 64, 64, 64, lossless, zstdOf(t, make([]byte, 100)), nil),
		"zstd data that is not zstd":              updateFrame(1, keyLast, 64, 64, 64, 64, lossless, []byte("not zstd at all"), nil),
		"zstd data without lossless tiles":        updateFrame(1, keyLast, 64, 64, 64, 64, solid, zstdOf(t, make([]byte, 12)), nil),
		"lossless tiles without zstd data":        updateFrame(1, keyLast, 64, 64, 64, 64, lossless, nil, nil),
		"a corrupt JPEG":                          updateFrame(1, keyLast, 64, 64, 64, 64, oneJPEG, nil, good[:len(good)/2]),
		"a JPEG that is not one":                  updateFrame(1, keyLast, 64, 64, 64, 64, oneJPEG, nil, []byte("GIF89a")),
		"a JPEG the size of one tile for two":     updateFrame(1, keyLast, 128, 64, 128, 64, twoJPEG, nil, good),
		"a JPEG claiming 60000x60000":             updateFrame(1, keyLast, 64, 64, 64, 64, oneJPEG, nil, huge),
		"JPEG tiles without a JPEG":               updateFrame(1, keyLast, 64, 64, 64, 64, oneJPEG, nil, nil),
		"an unknown codec byte":                   updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, 7, nil}}, nil, nil),
		"more than 256 tiles in a part":           updateFrame(1, keyLast, 64, 64, 64, 64, many, nil, nil),
		"unknown flag bits":                       updateFrame(1, keyLast|0x80, 64, 64, 64, 64, solid, nil, nil),
		"a copy in a key frame":                   copyFrame(1, keyLast|flagCopy, [5]int{0, 0, 64, 32, 8}),
		"a copy from above the image":             cat(key, copyFrame(2, flagLast|flagCopy, [5]int{0, 0, 64, 32, 8})),
		"a copy from below the image":             cat(key, copyFrame(2, flagLast|flagCopy, [5]int{0, 40, 64, 24, -8})),
		"a copy wider than the image":             cat(key, copyFrame(2, flagLast|flagCopy, [5]int{8, 16, 64, 16, 8})),
		"a copy by zero rows":                     cat(key, copyFrame(2, flagLast|flagCopy, [5]int{0, 16, 64, 16, 0})),
		"a copy in a later part":                  cat(key, updateFrame(2, 0, 64, 64, 64, 64, solid, nil, nil), copyFrame(2, flagLast|flagCopy, [5]int{0, 16, 64, 16, 8})),
		"trailing bytes after the JPEG":           framing.AppendFrame(nil, MsgUpdate, append(key[2:len(key):len(key)], 0)),
		"a body cut short":                        framing.AppendFrame(nil, MsgUpdate, []byte{1, keyLast, 64, 64}),
		"a first update that is not a key frame":  updateFrame(1, flagLast, 64, 64, 64, 64, solid, nil, nil),
		"update numbers that skip":                cat(key, updateFrame(3, flagLast, 64, 64, 64, 64, solid, nil, nil)),
		"an update number that repeats":           cat(key, updateFrame(1, flagLast, 64, 64, 64, 64, solid, nil, nil)),
		"a new size without a key frame":          cat(key, updateFrame(2, flagLast, 128, 64, 128, 64, solid, nil, nil)),
		"another update before the last part":     cat(updateFrame(1, flagKey, 64, 64, 64, 64, solid, nil, nil), updateFrame(2, keyLast, 64, 64, 64, 64, solid, nil, nil)),
		"a part of another size":                  cat(updateFrame(1, flagKey, 64, 64, 64, 64, solid, nil, nil), updateFrame(1, keyLast, 64, 64, 32, 64, solid, nil, nil)),
		"the stream ending inside an update":      updateFrame(1, flagKey, 64, 64, 64, 64, solid, nil, nil),
		"a cursor with unknown flags":             framing.AppendFrame(nil, MsgCursor, []byte{3, 0, 0}),
		"a cursor with a huge coordinate":         framing.AppendFrame(nil, MsgCursor, binary.AppendVarint([]byte{1, 0}, 1<<40)),
		"a cursor with trailing bytes":            framing.AppendFrame(nil, MsgCursor, []byte{1, 0, 0, 0}),
		"a cursor shape 300 pixels wide":          framing.AppendFrame(nil, MsgCursorShape, append(binary.AppendUvarint(nil, 300), 1, 0, 0)),
		"a cursor shape shorter than announced":   framing.AppendFrame(nil, MsgCursorShape, []byte{2, 2, 0, 0, 1, 2, 3}),
		"a cursor hot spot outside the shape":     framing.AppendFrame(nil, MsgCursorShape, append([]byte{1, 1, 1, 0}, 0, 0, 0, 0)),
		"a viewer's message from the sender":      framing.AppendFrame(nil, MsgAck, []byte{1}),
		"a palette of one colour":                 updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecPalette, []byte{0, 1, 2, 3}}}, zstdOf(t, make([]byte, 512)), nil),
		"a palette shorter than announced":        updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecPalette, []byte{3, 1, 2, 3}}}, nil, nil),
		"palette indices short of the tile":       updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecPalette, []byte{1, 1, 2, 3, 4, 5, 6}}}, zstdOf(t, make([]byte, 100)), nil),
		"a colour depth that does not exist":      depthFrame(9),
		"a colour depth byte missing":             framing.AppendFrame(nil, MsgUpdate, []byte{1, keyLast | flagDepth, 64, 64, 64, 64}),
		"a pace with photo quality 0":             framing.AppendFrame(nil, MsgPace, []byte{1, 1, 0, 25}),
		"a pace with a frame rate of 1000":        framing.AppendFrame(nil, MsgPace, []byte{1, 1, 55, 0xe8, 0x07}),
		"a pace cut short":                        framing.AppendFrame(nil, MsgPace, []byte{1, 1}),
		"a pace with trailing bytes":              framing.AppendFrame(nil, MsgPace, []byte{1, 1, 55, 25, 0}),
		"a message of another protocol":           framing.AppendFrame(nil, stream.MsgChat, []byte(`{"text":"hi"}`)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err, alloc := feedReceiver(in)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			// The largest legitimate allocations: a 64x64 tile's 12 KiB,
			// the zstd decoder, and the input itself.
			if alloc > 4<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestScreenReceiverPaneLimit: a sender cannot make the viewer allocate an
// image larger than any pane size it asked for; a pane that shrinks still
// accepts the larger updates that may be in flight.
func TestScreenReceiverPaneLimit(t *testing.T) {
	solid := []wireTile{{0, 0, 64, 64, codecSolid, []byte{1, 2, 3}}}
	big := updateFrame(1, keyLast, 4000, 3000, 4000, 3000, solid, nil, nil)
	r := NewReceiver(bytes.NewReader(big), io.Discard)
	r.SetSettings(Settings{MaxWidth: 1280, MaxHeight: 720})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := r.Run(context.Background())
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a 4000x3000 image for a 1280x720 pane: no error")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("allocated %d bytes", n)
	}

	in := append(updateFrame(1, keyLast, 1920, 1080, 1280, 720, solid, nil, nil), updateFrame(2, flagLast, 1920, 1080, 1280, 720, solid, nil, nil)...)
	r = NewReceiver(bytes.NewReader(in), io.Discard)
	r.SetSettings(Settings{MaxWidth: 1280, MaxHeight: 720})
	r.SetSettings(Settings{MaxWidth: 640, MaxHeight: 360})
	if err := r.Run(context.Background()); err != nil {
		t.Fatalf("updates at the pane's former size: %v", err)
	}
}

func TestScreenSenderFailures(t *testing.T) {
	for name, tt := range map[string]struct {
		in      []byte
		wantErr bool
	}{
		"the viewer hangs up":                 {framing.AppendFrame(nil, MsgSettings, []byte(`{}`)), false},
		"settings that are not JSON":          {framing.AppendFrame(nil, MsgSettings, []byte(`{"max_width":`)), true},
		"an ack of an update never sent":      {framing.AppendFrame(nil, MsgAck, []byte{5}), true},
		"an ack with trailing bytes":          {framing.AppendFrame(nil, MsgAck, []byte{0, 0}), true},
		"an ack that is not a uvarint":        {framing.AppendFrame(nil, MsgAck, []byte{0x80}), true},
		"a key frame request with a body":     {framing.AppendFrame(nil, MsgKeyRequest, []byte{0}), true},
		"an update from the viewer":           {updateFrame(1, keyLast, 64, 64, 64, 64, nil, nil, nil), true},
		"a frame over 4 MiB":                  {append(binary.AppendUvarint(nil, MaxMessage+1), byte(MsgAck)), true},
		"a frame cut short":                   {[]byte{5, byte(MsgAck)}, true},
		"negative and huge settings are safe": {framing.AppendFrame(nil, MsgSettings, []byte(`{"max_width":-5,"max_height":1,"quality":1000,"max_fps":-1}`)), false},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			s := NewSender(&out, bytes.NewReader(tt.in))
			m := screenshot(t, "xterm-1280x800.png")
			if err := s.Offer(toBGRX(m)); err != nil {
				t.Fatal(err)
			}
			err := s.Run(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run = %v, want error %v", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}

// TestScreenDirtyCells: a change is sent as the 16-pixel cells it touches
// within each 64x64 tile, in screen or scaled space.
func TestScreenDirtyCells(t *testing.T) {
	for _, tt := range []struct {
		set   string
		dirty image.Rectangle
		want  []image.Rectangle
	}{
		{`{}`, image.Rect(100, 100, 140, 120), []image.Rectangle{image.Rect(96, 96, 128, 128), image.Rect(128, 96, 144, 128)}},
		{`{}`, image.Rect(0, 0, 1, 1), []image.Rectangle{image.Rect(0, 0, 16, 16)}},
		{`{}`, image.Rect(1270, 790, 1280, 800), []image.Rectangle{image.Rect(1264, 784, 1280, 800)}},
		// Half size: screen (100,100)-(140,120) is image (50,50)-(70,60).
		{`{"max_width":640}`, image.Rect(100, 100, 140, 120), []image.Rectangle{image.Rect(48, 48, 64, 64), image.Rect(64, 48, 80, 64)}},
	} {
		s := newTestSender(t, io.Discard, tt.set)
		f := toBGRX(screenshot(t, "xterm-1280x800.png"))
		if err := s.Offer(f); err != nil {
			t.Fatal(err)
		}
		flushScreen(t, s) // the key frame
		f.Dirty = []image.Rectangle{tt.dirty}
		if err := s.Offer(f); err != nil {
			t.Fatal(err)
		}
		var j job
		s.mu.Lock()
		s.acked, s.lastSend = s.seq, time.Time{}
		s.takeLocked(time.Now(), &j)
		s.mu.Unlock()
		if !slices.Equal(j.tiles, tt.want) {
			t.Errorf("%s, dirty %v: tiles %v, want %v", tt.set, tt.dirty, j.tiles, tt.want)
		}
	}
}

func TestScreenOfferRejects(t *testing.T) {
	s := NewSender(io.Discard, nil)
	for name, f := range map[string]desktop.Frame{
		"an empty frame":              {},
		"a screen 9000 pixels wide":   {Width: 9000, Height: 10, Stride: 36000, Pix: make([]byte, 36000*10)},
		"a stride under 4 bytes":      {Width: 10, Height: 10, Stride: 39, Pix: make([]byte, 400)},
		"fewer pixels than announced": {Width: 10, Height: 10, Stride: 40, Pix: make([]byte, 399)},
	} {
		if err := s.Offer(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Dirty rectangles outside the screen are clipped, not trusted.
	f := desktop.Frame{Width: 10, Height: 10, Stride: 40, Pix: make([]byte, 400)}
	if err := s.Offer(f); err != nil {
		t.Fatal(err)
	}
	f.Dirty = []image.Rectangle{image.Rect(-5, -5, 100, 3), image.Rect(20, 20, 30, 30), {}}
	if err := s.Offer(f); err != nil {
		t.Fatal(err)
	}
}

// realUpdates are a key frame of a 320x192 crop of the desktop (text,
// gradient, the photo's corner: all three codecs) and a small change.
func realUpdates(t testing.TB) []byte {
	m := screenshot(t, "desktop-1920x1080.png").SubImage(image.Rect(900, 100, 1220, 292)).(*image.RGBA)
	crop := image.NewRGBA(image.Rect(0, 0, 320, 192))
	for y := range 192 {
		copy(crop.Pix[y*crop.Stride:], m.Pix[m.PixOffset(900, 100+y):][:320*4])
	}
	var buf bytes.Buffer
	s := newTestSender(t, &buf, `{}`)
	f := toBGRX(crop)
	if err := s.Offer(f); err != nil {
		t.Fatal(err)
	}
	flushScreen(t, s)
	st := s.Stats()
	if st.TilesSolid == 0 || st.TilesLossless == 0 || st.TilesJPEG == 0 {
		t.Fatalf("the crop does not use every codec: %+v", st)
	}
	for i := range f.Pix {
		f.Pix[i] ^= 0x5a
	}
	f.Dirty = []image.Rectangle{image.Rect(10, 10, 20, 20)}
	if err := s.Offer(f); err != nil {
		t.Fatal(err)
	}
	flushScreen(t, s)
	return buf.Bytes()
}

func TestScreenRealUpdatesDecode(t *testing.T) {
	r, err, _ := feedReceiver(realUpdates(t))
	if err != nil {
		t.Fatal(err)
	}
	v := r.Latest()
	if v.Version != 2 || v.Image.Rect.Dx() != 320 {
		t.Fatalf("view %+v", v)
	}
	// 5×3 cells: the key frame painted all in version 1, the second update
	// only the first cell, the one its dirty rectangle touches.
	want := slices.Repeat([]uint64{1}, 15)
	want[0] = 2
	if !slices.Equal(v.Cells, want) {
		t.Errorf("cells %v, want %v", v.Cells, want)
	}
}

// FuzzScreenDecode feeds arbitrary bytes as the sender's side: the receiver
// must end with an error or EOF, never panic, and never allocate beyond the
// limits (the fuzzer's memory limit would catch it).
func FuzzScreenDecode(f *testing.F) {
	f.Add(unhex(f, goldenScreenUpdate))
	f.Add(unhex(f, goldenScreenCursor+goldenScreenShape+goldenScreenUpdate))
	f.Add(realUpdates(f))
	f.Add(unhex(f, goldenScreenPace+goldenScreenUpdate))
	f.Add(depthFrame(depthGrey))
	f.Add(updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecPalette, []byte{2, 1, 2, 3, 4, 5, 6, 7, 8, 9}}}, zstdOf(f, make([]byte, 1024)), nil))
	f.Add(updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecJPEG, nil}}, nil, jpegOf(f, 64, 64)))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReceiver(bytes.NewReader(in), io.Discard)
		// A viewer pane of 1024x1024: big images are refused before they
		// are allocated, which keeps each run fast.
		r.SetSettings(Settings{MaxWidth: 1024, MaxHeight: 1024})
		r.dec = newTileDecoder()
		defer r.dec.close()
		for {
			typ, body, err := r.fr.ReadFrame()
			if err != nil {
				break
			}
			if err := r.handle(typ, body); err != nil {
				break
			}
		}
		if v := r.Latest(); v.Image != nil && (v.Image.Rect.Dx() > v.Screen.X || v.Image.Rect.Dy() > v.Screen.Y) {
			t.Fatalf("image %v of a %v screen", v.Image.Rect, v.Screen)
		}
	})
}

func TestScreenSenderEndsWithContext(t *testing.T) {
	// A viewer that never reads: Run must still end when ctx does.
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		s := NewSender(a, a)
		if err := s.Offer(toBGRX(screenshot(t, "xterm-1280x800.png"))); err != nil {
			t.Fatal(err)
		}
		go b.Write(framing.AppendFrame(nil, MsgSettings, []byte(`{}`)))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run = %v, want context.DeadlineExceeded", err)
		}
		// The receiver's side likewise, with a sender that never reads.
		r := NewReceiver(b, b)
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := r.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("receiver Run = %v, want context.DeadlineExceeded", err)
		}
	})
}

// TestScreenGoldenPace: MsgPace both ways, and the receiver keeps what it
// said for the connection line.
func TestScreenGoldenPace(t *testing.T) {
	p := Pace{Kbps: 2000, RTT: 42 * time.Millisecond, Quality: 55, FPS: 25}
	want := unhex(t, goldenScreenPace)
	if got := framing.AppendFrame(nil, MsgPace, appendPace(nil, p)); !bytes.Equal(got, want) {
		t.Errorf("pace:\n got %x\nwant %x", got, want)
	}
	r, err, _ := feedReceiver(unhex(t, goldenScreenPace+goldenScreenUpdate))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Link().Pace; got != p {
		t.Errorf("the receiver read %+v, want %+v", got, p)
	}
}

// TestScreenPaletteIndexPastTheEnd: a forged palette tile whose indices
// name colours it does not have is drawn with its last colour, reading
// nothing outside the palette.
func TestScreenPaletteIndexPastTheEnd(t *testing.T) {
	// 3 colours, so 2 bits an index; 0xff bytes are index 3 everywhere.
	idx := bytes.Repeat([]byte{0xff}, 16*64)
	in := updateFrame(1, keyLast, 64, 64, 64, 64, []wireTile{{0, 0, 64, 64, codecPalette, []byte{2, 10, 20, 30, 40, 50, 60, 70, 80, 90}}}, zstdOf(t, idx), nil)
	r, err, _ := feedReceiver(in)
	if err != nil {
		t.Fatal(err)
	}
	v := r.Latest()
	if got := [4]byte(v.Image.Pix[v.Image.PixOffset(63, 63):]); got != [4]byte{70, 80, 90, 255} {
		t.Errorf("pixel %v, want the last colour 70,80,90", got)
	}
}

// TestScreenSettingsFromAHostileViewer: settings a sender cannot honour
// are brought back to what it can (the viewer is the peer).
func TestScreenSettingsFromAHostileViewer(t *testing.T) {
	for _, tc := range []struct {
		in      Settings
		scale   int
		colours string
		quality int
		maxFPS  int
	}{
		{Settings{Scale: -5, Colours: "bogus"}, 100, ColoursFull, 80, 60},
		{Settings{Scale: 1000, Quality: 500, MaxFPS: 100000}, 100, ColoursFull, 100, 240},
		{Settings{Scale: 3, Colours: ColoursGrey}, 10, ColoursGrey, 80, 60},
	} {
		n := tc.in.normalized()
		if n.Scale != tc.scale || n.Colours != tc.colours || n.Quality != tc.quality || n.MaxFPS != tc.maxFPS {
			t.Errorf("%+v normalized to %+v", tc.in, n)
		}
	}
}
