package files

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// File-transfer message types. Values are part of the wire format: never
// reuse one.
const (
	MsgOffer   framing.MsgType = 0x40 // sender → receiver: what is offered
	MsgAnswer  framing.MsgType = 0x41 // receiver → sender: accepted (and from where) or declined
	MsgChunk   framing.MsgType = 0x42 // sender → receiver: up to ChunkSize bytes of one file
	MsgFileEnd framing.MsgType = 0x43 // sender → receiver: a file's last byte was sent; its hash
	MsgDone    framing.MsgType = 0x44 // receiver → sender: everything arrived, verified and saved
	MsgCancel  framing.MsgType = 0x45 // either way: the transfer ends now, and why
)

// Limits of the file protocol (2026-12-10). Each is checked by the decoder
// that reads the field, before anything is sized by it.
const (
	// ChunkSize is the size of every chunk but the last of a file. Offsets
	// in answers and chunks are multiples of it, and the file hash is a
	// chain over chunks of this size, so it is fixed by the protocol.
	ChunkSize = 1 << 20
	// MaxEntries bounds the files of an offer, and its skipped list.
	MaxEntries = 10_000
	// MaxName bounds a name in bytes; MaxNameElement each '/'-separated
	// element of it (most file systems' limit).
	MaxName        = 4096
	MaxNameElement = 255
	// MaxSize bounds a file's size (1 PiB).
	MaxSize = 1 << 50
	// MaxReason bounds a reason (skipped, declined, cancelled), in bytes.
	MaxReason = 200
	// MaxMode is the largest mode: permission bits only, no set-id, no
	// sticky bit, no file type.
	MaxMode = 0o777
	// MaxMessage bounds a frame (type byte and body): an offer of
	// MaxEntries names of about 400 bytes, or a chunk.
	MaxMessage = 4 << 20

	// MaxChunkHeader is the most a chunk frame takes besides its data:
	// the type byte, two uvarints and the hash.
	MaxChunkHeader = 1 + 2*10 + HashSize

	// IDSize is the size of a transfer ID; HashSize of a hash.
	IDSize   = 16
	HashSize = 32
)

// ErrMalformed is wrapped by every decoding error: the peer sent what the
// protocol does not allow, and the stream must be reset.
var ErrMalformed = errors.New("files: malformed message")

// ID names one offer: the sender makes it at random and keeps it for every
// attempt to send the same offer, which is how the receiver recognises the
// parts of an earlier attempt.
type ID [IDSize]byte

// Hash is a BLAKE3-256 digest: of a chunk's data, or a file's chain
// (Chain).
type Hash [HashSize]byte

// Entry is one file of an offer.
type Entry struct {
	// Name is the file's path relative to what was offered, '/'-separated:
	// "report.pdf", "photos/2024/a.jpg". The decoder checks only its lengths;
	// whether it is safe to save is the receiver's check.
	Name string
	Size int64  // 0..MaxSize bytes
	Mode uint32 // permission bits, 0..MaxMode
}

// Skip is something the sender did not include, and why (a symbolic link,
// a device): shown to the receiver so that nothing goes missing silently.
type Skip struct {
	Name   string // 1..MaxName bytes of text (CheckText); the sender quotes names that are not
	Reason string // 0..MaxReason bytes of text (CheckText)
}

// Offer is the first message: what the sender offers.
type Offer struct {
	ID      ID
	Entries []Entry // 1..MaxEntries files, sent in this order
	Skipped []Skip  // 0..MaxEntries
}

// Resume is the receiver's answer for one file.
type Resume struct {
	// Have: the receiver already has the whole file, received and
	// verified in an earlier attempt of the same offer; the sender sends
	// nothing of it, not even its FileEnd.
	Have bool
	// Offset, when not Have, is where the sender starts: a multiple of
	// ChunkSize, at most the file's size. The receiver has the bytes
	// before it from an earlier attempt of the same offer.
	Offset int64
}

// Answer is the receiver's reply to an offer.
type Answer struct {
	Accepted bool
	Reason   string   // declined only: why, 0..MaxReason bytes of text
	Resume   []Resume // accepted only: one per entry of the offer
}

// Chunk is ChunkSize bytes of a file (fewer for its last chunk, never 0).
type Chunk struct {
	Index  int   // the entry, < len(Offer.Entries)
	Offset int64 // where the data goes in the file: a multiple of ChunkSize
	Hash   Hash  // BLAKE3-256 of Data
	Data   []byte
}

// FileEnd follows a file's last chunk (or stands alone for an empty file,
// or one the receiver had every chunk of).
type FileEnd struct {
	Index int
	Hash  Hash // the file's chain hash (Chain)
}

// CancelKind says why a transfer was cancelled.
type CancelKind byte

const (
	// CancelByUser: the person on the other side cancelled.
	CancelByUser CancelKind = 0
	// CancelFailed: the other side could not go on (its disk is full, a
	// chunk arrived damaged, the file changed while it was sent); Reason
	// says what, as a sentence for the person on this side.
	CancelFailed CancelKind = 1
)

// Cancel ends a transfer from either side.
type Cancel struct {
	Kind   CancelKind
	Reason string // 0..MaxReason bytes of text
}

// CheckText returns nil if s may be shown to a person as it is: valid
// UTF-8 with no control character (C0, DEL, C1: a terminal escape starts
// with ESC or CSI 0x9b), no format character that hides or reorders text
// (bidi overrides, embeddings, isolates and marks, which can disguise
// "invoice\u202etxt.exe"; zero-width spaces; the BOM; tags), and no line
// or paragraph separator. The zero-width joiner and non-joiner pass: emoji
// sequences and some scripts need them. Every text field of this protocol
// must pass; the receiver uses it for file names too.
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '\x1b' || r == 0x9b:
			return fmt.Errorf("contains a terminal escape (%U)", r)
		case unicode.IsControl(r):
			return fmt.Errorf("contains the control character %U", r)
		case r == 0x2028 || r == 0x2029:
			return fmt.Errorf("contains the line separator %U", r)
		case unicode.Is(unicode.Cf, r) && r != 0x200c && r != 0x200d:
			return fmt.Errorf("contains the invisible character %U", r)
		}
	}
	return nil
}

// CheckNameLength checks the lengths the protocol bounds: 1..MaxName
// bytes, each '/'-separated element at most MaxNameElement bytes. Empty
// elements ("/etc", "a//b") pass: what a name means as a path is the
// receiver's check, which words its reason for the person it asks.
func CheckNameLength(name string) error {
	if len(name) == 0 || len(name) > MaxName {
		return fmt.Errorf("is %d bytes long (the limit is %d)", len(name), MaxName)
	}
	for elem := range strings.SplitSeq(name, "/") {
		if len(elem) > MaxNameElement {
			return fmt.Errorf("has a part of %d bytes (the limit is %d)", len(elem), MaxNameElement)
		}
	}
	return nil
}
