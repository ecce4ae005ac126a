// Package stream holds the list of every ra-p2p protocol ID (protocols.go)
// and the wire formats of the session, chat and control protocols: their
// message types and the state machines that run over them (session.go,
// chat.go, control.go). Beside it, one package per concern: stream/framing
// is the framing all protocols share, stream/screen the screen protocol, and
// stream/traversal the punch and NAT-report formats p2p speaks itself.
//
// Everything here works over an io.Reader/io.Writer, so it is tested over
// net.Pipe; libp2p streams are plugged in by the caller. The package must never
// import libp2p host code, Ebiten or robotgo, and must never decide anything a
// user should decide: consent and password checks are callbacks.
//
// # Framing
//
// Every message on every protocol is one frame (stream/framing):
//
//	uvarint(n) | type (1 byte) | body (n-1 bytes)
//
// n counts the type byte and the body and must be between 1 and the protocol's
// maximum (MaxSessionMessage, MaxChatMessage). The body of the session and
// chat messages is a JSON object; unknown fields are ignored, so a compatible
// change adds optional fields, and a breaking change bumps the protocol's major
// version (see protocols.go). An oversize frame, an unknown type where it is
// not allowed, or a body that does not decode ends the stream: the caller
// resets it and logs the returned error.
//
// # Trust
//
// Every field read from the peer is a claim. A Hello's Name is what the helper
// calls itself, nothing more; a proof is only accepted when the caller's
// verify callback says so; nothing here trusts a length, a count or a name it
// has not bounded.
package stream
