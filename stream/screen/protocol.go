package screen

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Screen message types. Values are part of the wire format: never reuse one.
const (
	MsgUpdate      framing.MsgType = 0x20 // sender → viewer: one part of an update
	MsgCursor      framing.MsgType = 0x21 // sender → viewer: pointer position and visibility
	MsgCursorShape framing.MsgType = 0x22 // sender → viewer: pointer image (rare)
	MsgSettings    framing.MsgType = 0x23 // viewer → sender: JSON Settings
	MsgKeyRequest  framing.MsgType = 0x24 // viewer → sender: send a key frame
	MsgAck         framing.MsgType = 0x25 // viewer → sender: newest update drawn
	MsgPace        framing.MsgType = 0x26 // sender → viewer: what Automatic does (only to a viewer that asked for it)
)

// Tile codecs, part of the wire format.
const (
	codecSolid    = 0
	codecLossless = 1
	codecJPEG     = 2
	codecPalette  = 3 // lossless, 2..256 colours: a palette, then indices of 1, 2, 4 or 8 bits
)

// Limits of the screen protocol.
const (
	// MaxDim bounds each side of the screen and of the image.
	MaxDim = 8192
	// MaxPixels bounds the area: 8192x4320 (DCI 8K) is the largest
	// screen; a viewer's canvas costs 4 bytes a pixel, several times over.
	MaxPixels = 8192 * 4320
	// Tile is the side of a tile.
	Tile = 64
	// MaxCursor bounds each side of a cursor shape.
	MaxCursor = 256

	// MaxMessage bounds a frame (type byte and body): one update part,
	// ≤ 256 tiles of 64x64 (2026-11-25).
	MaxMessage = 4 << 20

	maxTilesPerPart = 256 // ≤ 3 MiB of RGB per part, a 1024x1024 JPEG atlas at most
	atlasCols       = 16
	ackWindow       = 2 // updates in flight before the sender waits for an ack
)

// Settings is what the viewer asks of the sender. The zero value asks
// for the defaults.
type Settings struct {
	// MaxWidth and MaxHeight are the viewer's pane in pixels; 0 = no limit.
	// A larger screen is scaled down on the sender, keeping its aspect ratio,
	// to fit.
	MaxWidth  int `json:"max_width,omitempty"`
	MaxHeight int `json:"max_height,omitempty"`
	// Quality is the JPEG quality (1..100) of photo-like tiles; 0 = 80.
	Quality int `json:"quality,omitempty"`
	// Lossless sends every tile losslessly.
	Lossless bool `json:"lossless,omitempty"`
	// MaxFPS bounds updates per second; 0 = 60 (30 cost ~9 ms of latency
	// in the screen-latency benchmark).
	MaxFPS int `json:"max_fps,omitempty"`
	// BusyKbps is the bandwidth, in kbit/s, for regions that change
	// continuously (scrolling, video); 0 = 1600. Fresh changes (typing, the
	// pointer, a menu) are never held back by it; see Sender.
	BusyKbps int `json:"busy_kbps,omitempty"`
	// Copy says the viewer applies copies (update flag bit 2): the sender
	// may then send a scroll as "these rows moved by dy". Receiver
	// always sets it.
	Copy bool `json:"copy,omitempty"`
	// Palette says the viewer decodes palette tiles (codec 3): the
	// sender may then send tiles of 2 to 16 colours as a palette and 1 to
	// 4 bits a pixel. Receiver always sets it; an older viewer does not,
	// and gets RGB.
	Palette bool `json:"palette,omitempty"`
	// Scale is the image's size in percent of the screen's (10..100; 0 =
	// 100), within MaxWidth and MaxHeight: fewer pixels on a slow link.
	Scale int `json:"scale,omitempty"`
	// Auto lets the sender choose: it paces updates to what the path
	// carries (measured from the acks) and lowers photo quality and frame
	// rate on a slow one, never below what Quality and MaxFPS allow
	// (see pacer). Text stays lossless.
	Auto bool `json:"auto,omitempty"`
	// Colours reduces the colours sent: ColoursFull (""), Colours65536,
	// Colours256 or ColoursGrey; fewer bytes for the same picture.
	Colours string `json:"colours,omitempty"`
}

// Colour depths a viewer may ask for (Settings.Colours), as the classic
// remote-assistance tool offered them.
const (
	ColoursFull  = ""
	Colours65536 = "65536" // 16 bits a pixel: 5 red, 6 green, 5 blue
	Colours256   = "256"   // 8 bits a pixel: 3 red, 3 green, 2 blue
	ColoursGrey  = "grey"  // 256 shades of grey
)

func (s Settings) normalized() Settings {
	s.MaxWidth = max(s.MaxWidth, 0)
	s.MaxHeight = max(s.MaxHeight, 0)
	if s.Quality <= 0 {
		s.Quality = 80
	}
	s.Quality = min(s.Quality, 100)
	if s.MaxFPS <= 0 {
		s.MaxFPS = 60
	}
	s.MaxFPS = min(s.MaxFPS, 240)
	if s.BusyKbps <= 0 {
		s.BusyKbps = 1600
	}
	if s.Scale <= 0 || s.Scale > 100 {
		s.Scale = 100
	}
	s.Scale = max(s.Scale, 10)
	switch s.Colours {
	case Colours65536, Colours256, ColoursGrey:
	default:
		s.Colours = ColoursFull // one this sender does not know: full colour
	}
	return s
}

// Pace is what Automatic is doing, as the sender tells the viewer about once
// a second (MsgPace): for the helper's connection line.
type Pace struct {
	Kbps    int           // the pace
	RTT     time.Duration // the least update delay lately: round trip and decoding
	Quality int           // photo quality now
	FPS     int           // frame-rate cap now
}

// appendPace appends p as MsgPace's body.
func appendPace(dst []byte, p Pace) []byte {
	for _, v := range []int{p.Kbps, int(p.RTT / time.Millisecond), p.Quality, p.FPS} {
		dst = binary.AppendUvarint(dst, uint64(v))
	}
	return dst
}

// readPace reads MsgPace's body (w.End checks that nothing follows).
func readPace(w *framing.Body) Pace {
	var p Pace
	p.Kbps = w.Int("pace", 0, 1<<30)
	p.RTT = time.Duration(w.Int("pace round trip", 0, 1<<20)) * time.Millisecond
	p.Quality = w.Int("pace quality", 1, 100)
	p.FPS = w.Int("pace frame rate", 1, 240)
	return p
}

// State says what Automatic is doing, in a person's words.
func (p Pace) State() string {
	switch {
	case p.Quality >= 80:
		return "fast link: full quality"
	case p.Quality >= 55:
		return fmt.Sprintf("slower link: lower photo quality, up to %d frames a second", p.FPS)
	default:
		return fmt.Sprintf("slow link: low photo quality, up to %d frames a second", p.FPS)
	}
}

// Stats counts what a Sender sent.
type Stats struct {
	Offers        int64 // frames offered
	Bytes         int64 // bytes written: frames, headers included
	Updates       int64 // updates sent
	KeyFrames     int64 // of which key frames
	Parts         int64 // update frames
	TilesSolid    int64
	TilesLossless int64
	TilesJPEG     int64
	Cursor        int64 // cursor position and shape messages
	Copies        int64 // updates that moved rows (scrolling) instead of resending them
	EncodeTime    time.Duration
	// Automatic (Settings.Auto): the pace in bytes a second, the times it
	// was cut, what it is doing, in a person's words, and the photo
	// quality and frame-rate cap it chose for that pace.
	AutoRate    float64
	AutoCuts    int
	AutoState   string
	AutoQuality int
	AutoFPS     int
}

// imageSize is the image size for a screen under the viewer's limits:
// the largest size that fits, with the screen's aspect ratio, never larger
// than the screen.
func imageSize(sw, sh, maxW, maxH int) (int, int) {
	iw, ih := sw, sh
	if maxW > 0 && iw > maxW {
		iw, ih = maxW, (sh*maxW+sw/2)/sw
	}
	if maxH > 0 && ih > maxH {
		iw, ih = (sw*maxH+sh/2)/sh, maxH
	}
	return max(iw, 1), max(ih, 1)
}

// sizeOK says whether a screen or image of w x h pixels is allowed.
func sizeOK(w, h int) bool {
	return w >= 1 && h >= 1 && w <= MaxDim && h <= MaxDim && w*h <= MaxPixels
}
