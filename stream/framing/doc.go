// Package framing is the message framing every ra-p2p app protocol shares
// (session, chat, control, screen, file, voice): length-delimited frames with a
// per-protocol size limit, JSON bodies, and a reader for binary bodies.
//
// Everything here works over an io.Reader/io.Writer, so it is tested over
// net.Pipe. It must never import libp2p, a GUI or any other ra-p2p package
// (deps_test.go), and it knows no protocol: message types and limits are
// the protocols' (stream/protocols.go lists them).
//
// # Frame
//
//	uvarint(n) | type (1 byte) | body (n-1 bytes)
//
// n counts the type byte and the body and must be between 1 and the
// protocol's maximum. Integers in binary bodies are unsigned LEB128
// "uvarint" or zig-zag "svarint" (encoding/binary.AppendUvarint and
// AppendVarint); a string is uvarint(len) then len bytes.
//
// Message type values are part of each protocol's wire format. They are
// unique across ra-p2p's protocols, so a message that reaches the wrong
// protocol is refused as unknown:
//
//	0x01..0x05  session (stream/session.go)
//	0x10        chat (stream/chat.go)
//	0x20..0x25  screen (stream/screen)
//	0x30..0x31  control (stream/control.go)
//	0x40..0x45  file (stream/files)
//	0x50..0x51  voice (stream/talk)
//
// # Trust
//
// A frame's length is a claim: FrameReader refuses one over the limit
// before reading its body (ErrFrameTooLarge) and never allocates more than
// the limit. Body checks every length against what is left before it
// slices, and every number against the bounds its caller gives; what the
// fields mean, and whether the peer may send them, is the protocol's.
// Truncated input is io.ErrUnexpectedEOF; a clean end between frames is
// io.EOF, unwrapped.
package framing
