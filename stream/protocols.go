package stream

import "github.com/ra-p2p/ra-p2p/stream/traversal"

// Protocol IDs. multistream-select matches them exactly, so only a breaking
// change bumps the major version; new optional JSON fields are compatible.
const (
	// SessionProtocol: hello, invitation/password proof, consent, status events.
	// 1.0.0 (2026-11-25): first version.
	// 2026-12-04: Proof gains secret_mac (the secret alone), so a novice tells
	// strangers from wrong passwords, and "busy" comes only after it. Kept at
	// 1.0.0: a new helper works with an older novice, which ignores the field;
	// an older helper is refused by a new novice as "rejected".
	// 2026-12-04: the outcome "declined-recently" (after a decline the novice
	// takes no new request for a while). Kept at 1.0.0: an older helper
	// shows an outcome it does not know generically.
	SessionProtocol = "/ra-p2p/session/1.0.0"
	// ChatProtocol: chat lines both ways.
	// 1.0.0 (2026-11-25): first version.
	ChatProtocol = "/ra-p2p/chat/1.0.0"
	// ResumeProtocol: the accepted helper resumes a session whose connection
	// dropped (challenge, proof of the session's resumption key, result),
	// then the stream is the session's new status stream.
	// 1.0.0 (2026-12-04): first version.
	ResumeProtocol = "/ra-p2p/resume/1.0.0"
	// ScreenProtocol: 1.0.0 (2026-11-25): first version, layout in
	// stream/screen (doc.go).
	ScreenProtocol = "/ra-p2p/screen/1.0.0"
	// ControlProtocol: 1.0.0 (2026-11-25): first version, layout in control.go.
	ControlProtocol = "/ra-p2p/control/1.0.0"
	// FileProtocol: one stream per file transfer (offer, answer, chunks,
	// done). 1.0.0 (2026-12-10): first version, layout and limits in
	// stream/files (doc.go); its maximum frame is files.MaxMessage.
	FileProtocol = "/ra-p2p/file/1.0.0"
	// VoiceProtocol: one stream per call (ask, allow, stop, mute) and,
	// when the connection has no datagrams, the call's Opus packets.
	// 1.0.0 (2026-12-05): first version, layout and limits in stream/talk
	// (doc.go); its maximum frame is talk.MaxMessage.
	VoiceProtocol = "/ra-p2p/voice/1.0.0"

	// PunchProtocol and NATReportProtocol are spoken by p2p itself, which
	// must not import this package: they are defined, with their history,
	// layout and caps, in stream/traversal.
	PunchProtocol     = traversal.PunchProtocol     // /ra-p2p/punch/1.0.0
	NATReportProtocol = traversal.NATReportProtocol // /ra-p2p/nat/1.0.0
)

// Per-protocol maximum frame sizes (type byte + body). The screen
// protocol's is screen.MaxMessage (stream/screen).
const (
	MaxSessionMessage = 4 << 10
	// A chat line is at most MaxChatRunes runes; a kept rune takes at most
	// 4 bytes in JSON (U+2028, which takes 6, is dropped since 2026-12-04;
	// older peers may still send it), so 2000 runes need up to 12 KB.
	MaxChatMessage = 16 << 10
	// Control (2026-11-25): one control message or input event (control.go).
	MaxControlMessage = 1 << 10
)
