// Package screen is the screen protocol (/ra-p2p/screen/1.0.0,
// stream.ScreenProtocol): the novice's Sender, which encodes the newest
// desktop.Frame it was offered into tiles, and the helper's Receiver, which
// decodes them into the desktop.View a window draws.
//
// Everything here works over an io.Reader/io.Writer, so it is tested over
// net.Pipe; libp2p streams are plugged in by the caller. The package must
// never import libp2p, capture, control, Ebiten or robotgo (deps_test.go):
// what is captured, whether the screen may be shown and how it is drawn are
// its callers' business, and it never decides anything a user should
// decide.
//
// # Layout
//
// The novice's side (Sender) sends the screen; the helper's side (Receiver,
// "the viewer") draws it. Every message is one frame (stream/framing), at
// most MaxMessage bytes. The viewer speaks first: its first message is
// MsgSettings, and the sender sends no update before it, so the first key
// frame is already scaled to the viewer's pane.
//
// Viewer → sender:
//
//	MsgSettings (0x23)    JSON Settings; the sender answers with a key frame
//	MsgKeyRequest (0x24)  empty body: send a key frame
//	MsgAck (0x25)         seq (uvarint): the newest update the viewer has drawn
//
// Sender → viewer, binary (integers are unsigned LEB128 "uvarint" unless
// marked svarint, zig-zag as encoding/binary.AppendVarint):
//
//	MsgUpdate (0x20), one part of an update:
//	  seq        uvarint  1 for the first update, +1 per update; every part of an update repeats it
//	  flags      byte     bit 0 key: the update repaints the whole image, and only a key
//	                      update may change the sizes below; bit 1 last: the final part,
//	                      the viewer shows the image after it; bit 2 copy: a copy follows
//	                      the sizes (first part of a non-key update only, and only to a
//	                      viewer whose settings said "copy"); bit 3 depth: a depth
//	                      byte follows the sizes (only to a viewer that asked for
//	                      fewer colours); other bits are 0
//	  screenW,H  uvarint  the novice's screen before scaling, 1..8192 each
//	  imageW,H   uvarint  the image being sent, 1..screenW and 1..screenH (never scaled up)
//	  depth only: byte 1 (65536 colours: lossless pixels are RGB565, 2 bytes little-endian),
//	             2 (256: RGB332, 1 byte), 3 (grey: 1 byte); the viewer repeats each
//	             channel's bits into its low bits
//	  copy only: x,y,w,h uvarint, dy svarint: before any tile, rows y..y+h-1 of the image
//	             get, over columns x..x+w-1, what rows y-dy..y+h-1-dy held (a scroll);
//	             both row ranges inside the image, dy ≠ 0
//	  tileCount  uvarint  0..256
//	  tileCount × tile:
//	    x,y,w,h  uvarint  inside the image, 1 ≤ w,h ≤ 64 (the sender sends the changed
//	                      part of a 64x64 grid tile, in 16-pixel cells)
//	    codec    byte     0 solid, 1 lossless, 2 JPEG, 3 palette (only to a viewer whose
//	                      settings said "palette")
//	    solid only: r,g,b bytes: every pixel of the tile has this colour
//	    palette only: n-1 byte (n = 2..256) | n × r,g,b bytes
//	  zLen       uvarint, then zLen bytes: one zstd frame holding the pixels of the lossless
//	             and palette tiles in tile order: lossless w*h*3 bytes R,G,B row by row
//	             (or at the depth), palette ones w*h indices of 1 (n ≤ 2), 2 (≤ 4), 4 (≤ 16)
//	             or 8 bits, most significant first, each row padded to a byte (an index
//	             past n is the last colour); zLen = 0 iff none
//	  jLen       uvarint, then jLen bytes: one baseline JPEG, an atlas of the JPEG tiles:
//	             n tiles in slots of 64x64, cols = min(n,16) slots across, ceil(n/cols)
//	             down; tile i sits at the top left of slot (i%cols, i/cols); jLen = 0 iff n = 0
//	  nothing after the JPEG
//
//	MsgCursor (0x21): flags byte (bit 0 visible) | x, y svarint: the pointer's hot
//	  spot in screen pixels (before scaling)
//	MsgCursorShape (0x22): w,h uvarint (1..256) | hotX < w, hotY < h uvarint |
//	  w*h*4 bytes of premultiplied RGBA (image.RGBA's Pix), nothing after
//	MsgPace (0x26), only to a viewer whose settings said "auto": the pace in kbit/s,
//	  the round trip in ms, the photo quality 1..100, the frame-rate cap 1..240
//	  (uvarints): what Automatic does, about once a second
//
// Unchanged tiles cost nothing. One update is split into parts of at most 256
// tiles (≤ 3 MiB of raw pixels, so a part always fits a frame) and the parts
// are encoded in parallel; the viewer decodes each part into its own canvas
// and shows the image after the last one. Updates are flow-controlled by acks:
// the sender has at most two updates unacknowledged, so transport
// buffers (yamux, QUIC) never hold more than that much screen, and the
// novice's capture loop never waits on the network: Offer only merges the
// newest pixels into the sender's canvas and dirty set.
//
// # Scaling
//
// Image pixel (i, j) is the exact area average of the screen area
// [i*SW/IW, (i+1)*SW/IW) × [j*SH/IH, (j+1)*SH/IH), with 16-bit fixed-point
// weights (error ≤ 1/255 per channel).
//
// # Trust
//
// Every number in a sender's message is a claim, bounded before use:
// sizes ≤ 8192 per side and MaxPixels in all, and the image no larger
// than any pane size (MaxWidth/MaxHeight) the viewer asked for, so a sender
// cannot make the viewer allocate more than it planned to show; tiles inside
// the image, at most 256 tiles per part, the zstd output limited to the
// exact size the tiles need (a decompression bomb fails without allocating),
// the JPEG's dimensions checked with DecodeConfig against the atlas before
// decoding. The viewer's messages are claims too: an ack of an update never
// sent ends the stream; settings are clamped (quality 1..100, fps 1..240).
package screen
