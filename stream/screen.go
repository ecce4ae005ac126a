package stream

// # Screen protocol (/ra-p2p/screen/1.0.0)
//
// The novice's side (ScreenSender) sends the screen; the helper's side
// (ScreenReceiver, "the viewer") draws it. Every message is one frame as in
// stream/framing, at most MaxScreenMessage bytes. The viewer speaks first: its first
// message is MsgScreenSettings, and the sender sends no update before it, so
// the first key frame is already scaled to the viewer's pane.
//
// Viewer → sender:
//
//	MsgScreenSettings (0x23)  JSON ScreenSettings; the sender answers with a key frame
//	MsgScreenKeyRequest (0x24) empty body: send a key frame
//	MsgScreenAck (0x25)       seq (uvarint): the newest update the viewer has drawn
//
// Sender → viewer, binary (integers are unsigned LEB128 "uvarint" unless
// marked svarint, zig-zag as encoding/binary.AppendVarint):
//
//	MsgScreenUpdate (0x20), one part of an update:
//	  seq        uvarint  1 for the first update, +1 per update; every part of an update repeats it
//	  flags      byte     bit 0 key: the update repaints the whole image, and only a key
//	                      update may change the sizes below; bit 1 last: the final part,
//	                      the viewer shows the image after it; bit 2 copy: a copy follows
//	                      the sizes (first part of a non-key update only, and only to a
//	                      viewer whose settings said "copy"); other bits are 0
//	  screenW,H  uvarint  the novice's screen before scaling, 1..8192 each
//	  imageW,H   uvarint  the image being sent, 1..screenW and 1..screenH (never scaled up)
//	  copy only: x,y,w,h uvarint, dy svarint: before any tile, rows y..y+h-1 of the image
//	             get, over columns x..x+w-1, what rows y-dy..y+h-1-dy held (a scroll);
//	             both row ranges inside the image, dy ≠ 0
//	  tileCount  uvarint  0..256
//	  tileCount × tile:
//	    x,y,w,h  uvarint  inside the image, 1 ≤ w,h ≤ 64 (the sender sends the changed
//	                      part of a 64x64 grid tile, in 16-pixel cells)
//	    codec    byte     0 solid, 1 lossless, 2 JPEG
//	    solid only: r,g,b bytes: every pixel of the tile has this colour
//	  zLen       uvarint, then zLen bytes: one zstd frame holding the pixels of the lossless
//	             tiles in tile order, each w*h*3 bytes R,G,B row by row; zLen = 0 iff none
//	  jLen       uvarint, then jLen bytes: one baseline JPEG, an atlas of the JPEG tiles:
//	             n tiles in slots of 64x64, cols = min(n,16) slots across, ceil(n/cols)
//	             down; tile i sits at the top left of slot (i%cols, i/cols); jLen = 0 iff n = 0
//	  nothing after the JPEG
//
//	MsgScreenCursor (0x21): flags byte (bit 0 visible) | x, y svarint: the pointer's hot
//	  spot in screen pixels (before scaling)
//	MsgScreenCursorShape (0x22): w,h uvarint (1..256) | hotX < w, hotY < h uvarint |
//	  w*h*4 bytes of premultiplied RGBA (image.RGBA's Pix), nothing after
//
// Unchanged tiles cost nothing. One update is split into parts of at most 256
// tiles (≤ 3 MiB of raw pixels, so a part always fits a frame) and the parts
// are encoded in parallel; the viewer decodes each part into its own canvas
// and shows the image after the last one. Updates are flow-controlled by acks:
// the sender has at most screenWindow updates unacknowledged, so transport
// buffers (yamux, QUIC) never hold more than that much screen, and the
// novice's capture loop never waits on the network: Offer only merges the
// newest pixels into the sender's canvas and dirty set.
//
// Scaling: image pixel (i, j) is the exact area average of the screen area
// [i*SW/IW, (i+1)*SW/IW) × [j*SH/IH, (j+1)*SH/IH), with 16-bit fixed-point
// weights (error ≤ 1/255 per channel).
//
// Trust: every number in a sender's message is a claim, bounded before use:
// sizes ≤ 8192 per side and MaxScreenPixels in all, and the image no larger
// than any pane size (MaxWidth/MaxHeight) the viewer asked for, so a sender
// cannot make the viewer allocate more than it planned to show; tiles inside
// the image, at most 256 tiles per part, the zstd output limited to the
// exact size the tiles need (a decompression bomb fails without allocating),
// the JPEG's dimensions checked with DecodeConfig against the atlas before
// decoding. The viewer's messages are claims too: an ack of an update never
// sent ends the stream; settings are clamped (quality 1..100, fps 1..240).

import (
	"time"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Screen message types. Values are part of the wire format: never reuse one.
const (
	MsgScreenUpdate      framing.MsgType = 0x20 // sender → viewer: one part of an update
	MsgScreenCursor      framing.MsgType = 0x21 // sender → viewer: pointer position and visibility
	MsgScreenCursorShape framing.MsgType = 0x22 // sender → viewer: pointer image (rare)
	MsgScreenSettings    framing.MsgType = 0x23 // viewer → sender: JSON ScreenSettings
	MsgScreenKeyRequest  framing.MsgType = 0x24 // viewer → sender: send a key frame
	MsgScreenAck         framing.MsgType = 0x25 // viewer → sender: newest update drawn
)

// Tile codecs, part of the wire format.
const (
	screenCodecSolid    = 0
	screenCodecLossless = 1
	screenCodecJPEG     = 2
)

// Limits of the screen protocol.
const (
	// MaxScreenDim bounds each side of the screen and of the image.
	MaxScreenDim = 8192
	// MaxScreenPixels bounds the area: 8192x4320 (DCI 8K) is the largest
	// screen; a viewer's canvas costs 4 bytes a pixel, several times over.
	MaxScreenPixels = 8192 * 4320
	// ScreenTile is the side of a tile.
	ScreenTile = 64
	// MaxScreenCursor bounds each side of a cursor shape.
	MaxScreenCursor = 256

	screenMaxTilesPerPart = 256 // ≤ 3 MiB of RGB per part, a 1024x1024 JPEG atlas at most
	screenAtlasCols       = 16
	screenWindow          = 2 // updates in flight before the sender waits for an ack
)

// ScreenSettings is what the viewer asks of the sender. The zero value asks
// for the defaults.
type ScreenSettings struct {
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
	// pointer, a menu) are never held back by it; see ScreenSender.
	BusyKbps int `json:"busy_kbps,omitempty"`
	// Copy says the viewer applies copies (update flag bit 2): the sender
	// may then send a scroll as "these rows moved by dy". ScreenReceiver
	// always sets it.
	Copy bool `json:"copy,omitempty"`
}

func (s ScreenSettings) normalized() ScreenSettings {
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
	return s
}

// ScreenStats counts what a ScreenSender sent.
type ScreenStats struct {
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
}

// screenImageSize is the image size for a screen under the viewer's limits:
// the largest size that fits, with the screen's aspect ratio, never larger
// than the screen.
func screenImageSize(sw, sh, maxW, maxH int) (int, int) {
	iw, ih := sw, sh
	if maxW > 0 && iw > maxW {
		iw, ih = maxW, (sh*maxW+sw/2)/sw
	}
	if maxH > 0 && ih > maxH {
		iw, ih = (sw*maxH+sh/2)/sh, maxH
	}
	return max(iw, 1), max(ih, 1)
}

// screenSizeOK says whether a screen or image of w x h pixels is allowed.
func screenSizeOK(w, h int) bool {
	return w >= 1 && h >= 1 && w <= MaxScreenDim && h <= MaxScreenDim && w*h <= MaxScreenPixels
}
