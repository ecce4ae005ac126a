package files

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"lukechampine.com/blake3"

	"github.com/ra-p2p/ra-p2p/internal/wiretest"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

var unhex = wiretest.Unhex

func goldenOffer() *Offer {
	return &Offer{
		ID: ID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		Entries: []Entry{
			{Name: "a.txt", Size: 5, Mode: 0o644},
			{Name: "d/b", Size: ChunkSize + 1, Mode: 0o600},
		},
		Skipped: []Skip{{Name: "d/link", Reason: "a symbolic link"}},
	}
}

// Golden frames of the file protocol. A change here is a wire change (see
// stream/protocols.go).
const (
	// len 60, type 0x40 | id 000102…0f | 2 files: "a.txt" 5 bytes 0o644 (a403);
	// "d/b" 1048577 bytes (818040) 0o600 (8003) | 1 skipped: "d/link", "a symbolic link"
	goldenOfferFrame = `3c 40 000102030405060708090a0b0c0d0e0f 02
		05 612e747874 05 a403
		03 642f62 818040 8003
		01 06 642f6c696e6b 0f 612073796d626f6c6963206c696e6b`
	// accepted, 2 files: send from 0; send from 1 MiB (808040)
	goldenAnswerFrame = `09 41 01 02 00 00 00 808040`
	// accepted, 2 files: have it; send from 1 MiB
	goldenAnswerHaveFrame = `08 41 01 02 01 00 808040`
	// declined: "no room"
	goldenDeclineFrame = `0a 41 00 07 6e6f20726f6f6d`
	// file 1 at 1 MiB, hash, 1 byte "b"
	goldenChunkFrame = `26 42 01 808040
		10e5cf3d3c8a4f9f3468c8cc58eea84892a22fdadbc1acb22410190044c1d553 62`
	// file 1, file hash 11…11
	goldenFileEndFrame = `22 43 01 1111111111111111111111111111111111111111111111111111111111111111`
	goldenDoneFrame    = `01 44`
	// failed: "The disk is full."
	goldenCancelFrame = `14 45 01 11 546865206469736b2069732066756c6c2e`
)

func TestGoldenFrames(t *testing.T) {
	o := goldenOffer()
	var h Hash
	for i := range h {
		h[i] = 0x11
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	chunk := Chunk{Index: 1, Offset: ChunkSize, Hash: HashChunk([]byte("b")), Data: []byte("b")}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"offer", must(AppendOffer(nil, o)), goldenOfferFrame},
		{"answer", must(AppendAnswer(nil, &Answer{Accepted: true, Resume: []Resume{{}, {Offset: ChunkSize}}}, o)), goldenAnswerFrame},
		{"answer with have", must(AppendAnswer(nil, &Answer{Accepted: true, Resume: []Resume{{Have: true}, {Offset: ChunkSize}}}, o)), goldenAnswerHaveFrame},
		{"decline", must(AppendAnswer(nil, &Answer{Reason: "no room"}, o)), goldenDeclineFrame},
		{"chunk", AppendChunk(nil, chunk), goldenChunkFrame},
		{"file end", AppendFileEnd(nil, FileEnd{Index: 1, Hash: h}), goldenFileEndFrame},
		{"done", AppendDone(nil), goldenDoneFrame},
		{"cancel", must(AppendCancel(nil, Cancel{Kind: CancelFailed, Reason: "The disk is full."})), goldenCancelFrame},
	} {
		if want := unhex(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%s:\n got %x\nwant %x", c.name, c.got, want)
		}
	}
}

// readOne reads the one frame in b.
func readOne(t *testing.T, b []byte) (framing.MsgType, []byte) {
	t.Helper()
	fr := framing.NewFrameReader(bytes.NewReader(b), MaxMessage)
	typ, body, err := fr.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("after the frame: %v", err)
	}
	return typ, body
}

func TestGoldenDecode(t *testing.T) {
	o := goldenOffer()
	typ, body := readOne(t, unhex(t, goldenOfferFrame))
	if got, err := DecodeOffer(body); typ != MsgOffer || err != nil || !reflect.DeepEqual(got, o) {
		t.Errorf("offer: type %#x, %+v, %v", typ, got, err)
	}
	_, body = readOne(t, unhex(t, goldenAnswerHaveFrame))
	if a, err := DecodeAnswer(body, o); err != nil || !a.Accepted || !reflect.DeepEqual(a.Resume, []Resume{{Have: true}, {Offset: ChunkSize}}) {
		t.Errorf("answer: %+v, %v", a, err)
	}
	_, body = readOne(t, unhex(t, goldenDeclineFrame))
	if a, err := DecodeAnswer(body, o); err != nil || a.Accepted || a.Reason != "no room" {
		t.Errorf("decline: %+v, %v", a, err)
	}
	_, body = readOne(t, unhex(t, goldenChunkFrame))
	if c, err := DecodeChunk(body); err != nil || c.Index != 1 || c.Offset != ChunkSize || string(c.Data) != "b" || c.Hash != HashChunk([]byte("b")) {
		t.Errorf("chunk: %+v, %v", c, err)
	}
	_, body = readOne(t, unhex(t, goldenFileEndFrame))
	if e, err := DecodeFileEnd(body); err != nil || e.Index != 1 || e.Hash[31] != 0x11 {
		t.Errorf("file end: %+v, %v", e, err)
	}
	_, body = readOne(t, unhex(t, goldenDoneFrame))
	if err := DecodeDone(body); err != nil {
		t.Errorf("done: %v", err)
	}
	_, body = readOne(t, unhex(t, goldenCancelFrame))
	if c, err := DecodeCancel(body); err != nil || c != (Cancel{Kind: CancelFailed, Reason: "The disk is full."}) {
		t.Errorf("cancel: %+v, %v", c, err)
	}
}

// TestChainGolden pins the file hash: a change is a wire change.
func TestChainGolden(t *testing.T) {
	var c Chain
	if c.Sum() != (Hash{}) {
		t.Errorf("an empty file's hash is %x, want zeros", c.Sum())
	}
	// A file of one full chunk of 'a' and "b": two chunks.
	c.Add(HashChunk(bytes.Repeat([]byte{'a'}, ChunkSize)))
	c.Add(HashChunk([]byte("b")))
	want := "20626a59165f89662fefb1ec711ac8e7903c57ce4ab997de2cc88cf0f9ed64d9"
	if sum := c.Sum(); hex.EncodeToString(sum[:]) != want {
		got := hex.EncodeToString(sum[:])
		t.Errorf("chain = %s, want %s", got, want)
	}
	// The definition, spelled out.
	h1 := blake3.Sum256(bytes.Repeat([]byte{'a'}, ChunkSize))
	s1 := blake3.Sum256(append(make([]byte, 32), h1[:]...))
	h2 := blake3.Sum256([]byte("b"))
	s2 := blake3.Sum256(append(s1[:], h2[:]...))
	if s2 != c.Sum() {
		t.Errorf("chain %x differs from its definition %x", c.Sum(), s2)
	}
}

func TestChunkFrame(t *testing.T) {
	cf := NewChunkFrame()
	if len(cf.Data()) != ChunkSize {
		t.Fatalf("Data is %d bytes", len(cf.Data()))
	}
	for _, c := range []struct {
		index  int
		offset int64
		n      int
	}{
		{0, 0, ChunkSize},
		{MaxEntries - 1, 5 * ChunkSize, 1},
		{300, MaxSize - ChunkSize, 1000}, // the longest uvarints
	} {
		data := cf.Data()[:c.n]
		for i := range data {
			data[i] = byte(i * 7)
		}
		frame, h := cf.Seal(c.index, c.offset, c.n)
		if h != HashChunk(data) {
			t.Errorf("Seal's hash is not the data's")
		}
		want := AppendChunk(nil, Chunk{Index: c.index, Offset: c.offset, Hash: h, Data: data})
		if !bytes.Equal(frame, want) {
			t.Errorf("Seal(%d, %d, %d) differs from AppendChunk", c.index, c.offset, c.n)
		}
		_, body := readOne(t, frame)
		got, err := DecodeChunk(body)
		if err != nil || got.Index != c.index || got.Offset != c.offset || got.Hash != h || !bytes.Equal(got.Data, data) {
			t.Errorf("decoding Seal's frame: %v", err)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, s := range []string{"", "report.pdf", "Überweisung 2024.pdf", "日本語.txt", "👨\u200d👩\u200d👧.jpg", "a b"} {
		if err := CheckText(s); err != nil {
			t.Errorf("CheckText(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"a\x00b", "a\nb", "a\tb", "\x1b[31mred", "a\x9b31m", "a\x7f", "\xff\xfe", "invoice\u202etxt.exe",
		"a\u2066b", "a\u200bb", "\ufeffa", "a\u2028b", "a\u0085b"} {
		if err := CheckText(s); err == nil {
			t.Errorf("CheckText(%q) = nil, want an error", s)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("ééééé", 8); got != "éé…" || len(got) > 8 {
		t.Errorf("Truncate = %q (%d bytes)", got, len(got))
	}
}

// body builds a message body from parts: an int or uint64 is a uvarint, a
// byte a byte, a string a length-prefixed string, a []byte raw bytes; so
// each broken case reads as what it breaks.
func body(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			b = appendUvarint(b, uint64(v))
		case uint64:
			b = appendUvarint(b, v)
		case byte:
			b = append(b, v)
		case string:
			b = framing.AppendString(b, v)
		case []byte:
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("body: %T", p))
		}
	}
	return b
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

var id16 = make([]byte, IDSize)

func TestDecodersRefuse(t *testing.T) {
	o := goldenOffer()
	hash := make([]byte, HashSize)
	long := strings.Repeat("x", MaxNameElement+1)
	cases := map[string]struct {
		decode func([]byte) error
		body   []byte
	}{
		"an offer with no files":                {offer, body(id16, 0, 0)},
		"an offer with too many files":          {offer, body(id16, MaxEntries+1)},
		"an offer whose count exceeds its body": {offer, body(id16, 3, "a", 1, 0o644)},
		"an offer with a short id":              {offer, body(id16[:10])},
		"an empty name":                         {offer, body(id16, 1, "", 1, 0, 0)},
		"a name element over 255 bytes":         {offer, body(id16, 1, "d/"+long, 1, 0, 0)},
		"a name over 4096 bytes":                {offer, body(id16, 1, strings.Repeat("abcdefg/", 513), 1, 0, 0)},
		"a size over 1 PiB":                     {offer, body(id16, 1, "a", uint64(MaxSize+1), 0, 0)},
		"a set-uid mode":                        {offer, body(id16, 1, "a", 1, 0o4755, 0)},
		"a file-type mode":                      {offer, body(id16, 1, "a", 1, 0o100644, 0)},
		"too many skipped":                      {offer, body(id16, 1, "a", 1, 0, MaxEntries+1)},
		"an escape in a skipped name":           {offer, body(id16, 1, "a", 1, 0, 1, "\x1b[2J", "")},
		"a newline in a skipped reason":         {offer, body(id16, 1, "a", 1, 0, 1, "b", "x\ny")},
		"a skipped reason over 200 bytes":       {offer, body(id16, 1, "a", 1, 0, 1, "b", strings.Repeat("r", MaxReason+1))},
		"trailing bytes after an offer":         {offer, body(id16, 1, "a", 1, 0, 0, byte(0))},
		"an answer neither yes nor no":          {answer(o), body(byte(2))},
		"an answer for fewer files":             {answer(o), body(byte(1), 1, byte(0), 0)},
		"an answer for more files":              {answer(o), body(byte(1), 3, byte(0), 0, byte(0), 0, byte(0), 0)},
		"an offset past the end":                {answer(o), body(byte(1), 2, byte(0), 0, byte(0), 2*ChunkSize)},
		"an offset inside a chunk":              {answer(o), body(byte(1), 2, byte(0), 0, byte(0), 4096)},
		"an offset in an empty-ish file":        {answer(o), body(byte(1), 2, byte(0), ChunkSize, byte(0), 0)},
		"an unknown file state":                 {answer(o), body(byte(1), 2, byte(2), byte(0), 0)},
		"a decline with an escape":              {answer(o), body(byte(0), "no\x1b]0;pwned\x07")},
		"a truncated answer":                    {answer(o), body(byte(1), 2, byte(0))},
		"a chunk without data":                  {chunk, body(0, 0, hash)},
		"a chunk over 1 MiB":                    {chunk, body(0, 0, hash, make([]byte, ChunkSize+1))},
		"a chunk at an odd offset":              {chunk, body(0, 1, hash, "x")},
		"a chunk past 1 PiB":                    {chunk, body(0, uint64(MaxSize), hash, "x")},
		"a chunk of file 10000":                 {chunk, body(MaxEntries, 0, hash, "x")},
		"a chunk with a short hash":             {chunk, body(0, 0, hash[:20])},
		"a file end with a short hash":          {fileEnd, body(0, hash[:31])},
		"a file end with trailing bytes":        {fileEnd, body(0, hash, byte(0))},
		"a done with a body":                    {DecodeDone, body(byte(0))},
		"a cancel of an unknown kind":           {cancel, body(byte(2), "")},
		"a cancel with a bidi override":         {cancel, body(byte(0), "by \u202eecilA")},
		"a cancel with invalid UTF-8":           {cancel, body(byte(0), "\xc3")},
		"an empty cancel":                       {cancel, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := c.decode(c.body)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			t.Log(err)
		})
	}
}

func offer(b []byte) error { _, err := DecodeOffer(b); return err }
func chunk(b []byte) error { _, err := DecodeChunk(b); return err }
func fileEnd(b []byte) error {
	_, err := DecodeFileEnd(b)
	return err
}
func cancel(b []byte) error { _, err := DecodeCancel(b); return err }
func answer(o *Offer) func([]byte) error {
	return func(b []byte) error { _, err := DecodeAnswer(b, o); return err }
}

func TestEncodersRefuse(t *testing.T) {
	o := goldenOffer()
	with := func(change func(*Offer)) *Offer {
		c := *goldenOffer()
		c.Entries = append([]Entry(nil), c.Entries...)
		c.Skipped = append([]Skip(nil), c.Skipped...)
		change(&c)
		return &c
	}
	for name, bad := range map[string]*Offer{
		"no files":          with(func(o *Offer) { o.Entries = nil }),
		"a negative size":   with(func(o *Offer) { o.Entries[0].Size = -1 }),
		"a size over 1 PiB": with(func(o *Offer) { o.Entries[0].Size = MaxSize + 1 }),
		"a sticky bit":      with(func(o *Offer) { o.Entries[0].Mode = 0o1777 }),
		"an escape skipped": with(func(o *Offer) { o.Skipped[0].Name = "\x1b[2J" }),
		"a long element":    with(func(o *Offer) { o.Entries[0].Name = strings.Repeat("n", 256) }),
		"too many files":    with(func(o *Offer) { o.Entries = make([]Entry, MaxEntries+1) }),
		"more than 4 MiB of names": with(func(o *Offer) {
			o.Entries = make([]Entry, MaxEntries)
			for i := range o.Entries {
				o.Entries[i] = Entry{Name: fmt.Sprintf("%04d/%s", i, strings.Repeat("n", 500))}
			}
		}),
	} {
		if b, err := AppendOffer([]byte("x"), bad); err == nil || string(b) != "x" {
			t.Errorf("AppendOffer with %s: %v, %q", name, err, b)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	for name, a := range map[string]*Answer{
		"one resume for two files": {Accepted: true, Resume: []Resume{{}}},
		"an odd offset":            {Accepted: true, Resume: []Resume{{}, {Offset: 10}}},
		"an offset past the size":  {Accepted: true, Resume: []Resume{{Offset: ChunkSize}, {}}},
		"a newline in the reason":  {Reason: "a\nb"},
	} {
		if _, err := AppendAnswer(nil, a, o); err == nil {
			t.Errorf("AppendAnswer with %s: no error", name)
		}
	}
	if _, err := AppendCancel(nil, Cancel{Reason: "\x1b[2J"}); err == nil {
		t.Error("AppendCancel with an escape: no error")
	}
	if _, err := AppendCancel(nil, Cancel{Kind: 7}); err == nil {
		t.Error("AppendCancel of kind 7: no error")
	}
	b, err := AppendCancel(nil, Cancel{Reason: strings.Repeat("é", MaxReason)})
	if err != nil {
		t.Fatal(err)
	}
	_, body := readOne(t, b)
	if c, err := DecodeCancel(body); err != nil || len(c.Reason) > MaxReason || !strings.HasSuffix(c.Reason, "…") {
		t.Errorf("a long reason: %q, %v", c.Reason, err)
	}
}

// TestOfferAtTheLimits: the largest offer the limits allow in number still
// fits a frame when names are of a realistic length.
func TestOfferAtTheLimits(t *testing.T) {
	o := &Offer{Entries: make([]Entry, MaxEntries), Skipped: make([]Skip, MaxEntries)}
	for i := range o.Entries {
		o.Entries[i] = Entry{Name: fmt.Sprintf("photos/%s/%06d-%s.jpg", strings.Repeat("y", 200), i, strings.Repeat("x", 130)), Size: MaxSize, Mode: MaxMode}
		o.Skipped[i] = Skip{Name: fmt.Sprintf("links/%d", i), Reason: "a symbolic link"}
	}
	b, err := AppendOffer(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	_, body := readOne(t, b)
	got, err := DecodeOffer(body)
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("round trip of the largest offer: %v", err)
	}
}

// FuzzDecodeOffer: DecodeOffer never panics, and what it accepts encodes
// and decodes back to the same offer (so nothing is lost or invented; the
// bytes may differ, as a uvarint may be sent with redundant zero groups).
func FuzzDecodeOffer(f *testing.F) {
	f.Add(offerBody(f, goldenOffer()))
	f.Add(body(id16, 1, "a", 0, 0, 0))
	f.Add(body(id16, 2, "../x", 1, 0o777, "/etc/passwd", 2, 0, 1, "CON", "a device"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOffer(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error wraps no ErrMalformed: %v", err)
			}
			return
		}
		again, err := AppendOffer(nil, o)
		if err != nil {
			t.Fatalf("a decoded offer does not encode: %v", err)
		}
		if _, body := readOne(t, again); !reflect.DeepEqual(mustDecode(t, DecodeOffer, body), o) {
			t.Fatalf("round trip changed the offer %x", b)
		}
	})
}

func mustDecode[T any](t *testing.T, decode func([]byte) (T, error), b []byte) T {
	t.Helper()
	v, err := decode(b)
	if err != nil {
		t.Fatalf("re-encoded message does not decode: %v", err)
	}
	return v
}

// sameMessage says whether two bodies of type typ decode to the same message.
func sameMessage(typ framing.MsgType, a, b []byte) bool {
	switch typ {
	case MsgChunk:
		x, e1 := DecodeChunk(a)
		y, e2 := DecodeChunk(b)
		return e1 == nil && e2 == nil && reflect.DeepEqual(x, y)
	case MsgFileEnd:
		x, e1 := DecodeFileEnd(a)
		y, e2 := DecodeFileEnd(b)
		return e1 == nil && e2 == nil && x == y
	case MsgCancel:
		x, e1 := DecodeCancel(a)
		y, e2 := DecodeCancel(b)
		return e1 == nil && e2 == nil && x == y
	case MsgDone:
		return DecodeDone(a) == nil && DecodeDone(b) == nil
	}
	return false
}

func offerBody(t testing.TB, o *Offer) []byte {
	b, err := AppendOffer(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	fr := framing.NewFrameReader(bytes.NewReader(b), MaxMessage)
	_, body, err := fr.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// FuzzDecodeAnswer: an answer to an offer of files of the given sizes.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(uint32(5), uint32(ChunkSize+1), unhex(f, goldenAnswerFrame)[2:])
	f.Add(uint32(0), uint32(3*ChunkSize), body(byte(1), 2, byte(1), byte(0), 3*ChunkSize))
	f.Add(uint32(0), uint32(0), unhex(f, goldenDeclineFrame)[2:])
	f.Fuzz(func(t *testing.T, size0, size1 uint32, b []byte) {
		o := &Offer{Entries: []Entry{{Name: "a", Size: int64(size0)}, {Name: "b", Size: int64(size1)}}}
		a, err := DecodeAnswer(b, o)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error wraps no ErrMalformed: %v", err)
			}
			return
		}
		if a.Accepted {
			if len(a.Resume) != 2 {
				t.Fatalf("%d resumes for 2 files", len(a.Resume))
			}
			for i, r := range a.Resume {
				if r.Offset%ChunkSize != 0 || r.Offset < 0 || r.Offset > o.Entries[i].Size {
					t.Fatalf("offset %d for a file of %d bytes", r.Offset, o.Entries[i].Size)
				}
			}
		}
		again, err := AppendAnswer(nil, a, o)
		if err != nil {
			t.Fatalf("a decoded answer does not encode: %v", err)
		}
		_, body := readOne(t, again)
		if a2 := mustDecode(t, func(b []byte) (*Answer, error) { return DecodeAnswer(b, o) }, body); !reflect.DeepEqual(a2, a) {
			t.Fatalf("round trip changed the answer %x", b)
		}
	})
}

// FuzzDecodeStream reads a whole receiver-side or sender-side stream of
// frames and decodes each by its type: chunks, file ends, done and cancel
// (and offers) never panic, and what decodes encodes back the same.
func FuzzDecodeStream(f *testing.F) {
	f.Add(unhex(f, goldenChunkFrame+goldenFileEndFrame+goldenDoneFrame+goldenCancelFrame))
	f.Add(unhex(f, goldenOfferFrame+goldenChunkFrame))
	f.Add(AppendChunk(nil, Chunk{Index: 9999, Offset: 7 * ChunkSize, Data: make([]byte, 100)}))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr := framing.NewFrameReader(bytes.NewReader(in), MaxMessage)
		for {
			typ, b, err := fr.ReadFrame()
			if err != nil {
				return
			}
			var again []byte
			switch typ {
			case MsgChunk:
				c, err := DecodeChunk(b)
				if err != nil {
					continue
				}
				if len(c.Data) < 1 || len(c.Data) > ChunkSize || c.Offset%ChunkSize != 0 {
					t.Fatalf("chunk of %d bytes at %d accepted", len(c.Data), c.Offset)
				}
				again = AppendChunk(nil, c)
			case MsgFileEnd:
				e, err := DecodeFileEnd(b)
				if err != nil {
					continue
				}
				again = AppendFileEnd(nil, e)
			case MsgDone:
				if DecodeDone(b) != nil {
					continue
				}
				again = AppendDone(nil)
			case MsgCancel:
				c, err := DecodeCancel(b)
				if err != nil {
					continue
				}
				if again, err = AppendCancel(nil, c); err != nil {
					t.Fatalf("a decoded cancel does not encode: %v", err)
				}
			case MsgOffer:
				if _, err := DecodeOffer(b); err != nil && !errors.Is(err, ErrMalformed) {
					t.Fatalf("error wraps no ErrMalformed: %v", err)
				}
				continue
			default:
				continue
			}
			if _, body := readOne(t, again); !sameMessage(typ, body, b) {
				t.Fatalf("round trip of type %#x changed it: %x", typ, b)
			}
		}
	})
}
