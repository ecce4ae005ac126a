package stream

// Protocol IDs. multistream-select matches them exactly, so only a breaking
// change bumps the major version; new optional JSON fields are compatible.
const (
	// SessionProtocol: hello, invitation/password proof, consent, status events.
	// 1.0.0 (2026-11-25): first version.
	SessionProtocol = "/ra-p2p/session/1.0.0"
	// ChatProtocol: chat lines both ways.
	// 1.0.0 (2026-11-25): first version.
	ChatProtocol = "/ra-p2p/chat/1.0.0"
)

// Per-protocol maximum frame sizes (type byte + body).
const (
	MaxSessionMessage = 4 << 10
	MaxChatMessage    = 8 << 10
)
