// Package traversal holds the wire formats p2p speaks itself to get two
// homes connected directly: the birthday-punch plan (PunchProtocol) and the
// NAT report (NATReportProtocol). They sit with the other wire formats
// under stream, but p2p uses them, so this package must never import libp2p
// or any other ra-p2p package (deps_test.go); p2p plugs its streams in as an
// io.Reader/io.Writer and turns the messages into its own types.
//
// # Layout
//
// Each protocol carries JSON objects as encoding/json writes them (HTML
// characters escaped, fields in the order below, empty ones left out);
// unknown fields are ignored, so a compatible change adds optional fields.
// These formats predate stream/framing and keep their bytes: a message is
// not length-prefixed, its size is capped instead.
//
//	/ra-p2p/punch/1.0.0: one PunchMessage each way, each followed by "\n",
//	at most MaxPunchMessage bytes. The initiator sends its plan, the
//	responder answers; then both close the stream.
//	  {"nonce":base64,"proof":base64,"role":"hard"|"easy","addr":"ip:port","err":"…"}
//	  plan:   nonce (PunchNonceSize bytes), proof, role (the receiver's), addr (the sender's)
//	  answer: addr (the sender's), or err (a refusal in words) alone
//
//	/ra-p2p/nat/1.0.0: the responder writes one NATReport, without a
//	newline, at most MaxNATReport bytes, and closes the stream; the asker
//	writes nothing.
//	  {"mapping":"unknown"|"keeps-ports"|"changes-ports","ipv6":true,
//	   "mapping_pending":true,"forwarded_addrs":["/ip4/…/udp/…/quic-v1",…]}
//
// A reader reads at most the cap: a message still incomplete there is
// ErrTooLarge, one that does not decode is an error, and either way the
// caller resets the stream.
//
// # Trust
//
// Every field is a claim of the peer, which is not authenticated yet (these
// protocols run before the session proof, over a relayed connection). The
// decoders bound only the size; p2p checks the rest before acting on it: a
// plan's nonce length, its proof (invite.PunchProof, an HMAC only an
// invitation holder can make), that addr is a public address (never a LAN
// or loopback on a stranger's word), the role against its own router; a
// report's mapping is one of the three known words (anything else is
// "unknown"), and its forwarded addresses are dialled only when each parses
// as a public, direct multiaddr.
package traversal
