// Package talk is the wire format of the voice protocol
// (/ra-p2p/voice/1.0.0, stream.VoiceProtocol): either side asks to talk,
// the other allows or declines, either side stops or mutes, and while both
// talk each side sends its microphone as Opus packets.
//
// It is only the messages and their limits. Sound devices, Opus, the
// jitter buffer and echo cancellation are package voice's and audio's;
// opening the stream, asking the user and choosing how packets travel are
// the channel's (channel/voicecall).
//
// # What this package must never do
//
//   - Import libp2p, a GUI, or any other ra-p2p package than stream/framing
//     (internal/depcheck): it works over bytes, and is tested over net.Pipe.
//   - Decide anything: whether a request is asked, whether packets are
//     played, is the channel's.
//
// # Exchange
//
// One stream per call, opened by the side whose user clicked Start
// Talking; frames (stream/framing) of at most MaxMessage bytes:
//
//	caller                                  callee
//	MsgTalk{OpRequest}  ────────────────▶   asks "Bob wants to talk with you. Allow microphone?"
//	                    ◀────────────────   MsgTalk{OpAllow} or MsgTalk{OpDecline} (the end)
//	both ways, until either sends MsgTalk{OpStop} or the stream ends:
//	MsgVoicePacket …    ◀───────────────▶   (only when the connection has no datagrams)
//	MsgTalk{OpMuted}, MsgTalk{OpUnmuted}    what the other side shows
//
// When the connection is QUIC, packets travel as QUIC datagrams instead
// (unreliable, so a lost packet never holds back the ones behind it): one
// datagram is AppendPacket's bytes, the type byte then the body, with no
// length before it (the datagram has one). A receiver takes packets from
// both, so the sides need not agree which they use.
//
// # Messages
//
//	MsgTalk (0x50), either way:
//	  op      byte     Op, 1..6
//	  reason  string   0..64 bytes of printable ASCII (0x20..0x7e), e.g. "busy"
//	  nothing after
//
//	MsgVoicePacket (0x51), either way:
//	  seq     4 bytes  big-endian; the sender counts its packets from any start, wrapping
//	  time    4 bytes  big-endian; the first sample's time, in 48 kHz samples, wrapping
//	  payload 1..MaxPayload bytes: one Opus packet (the rest of the body)
//
// Fixed-size fields, so a packet's header is the same 9 bytes in a
// datagram and on the stream.
//
// # Trust
//
// Every field is a claim. The decoders bound what they read and check the
// op and the reason; seq and time are the sender's counters, and a hostile
// peer may jump them, repeat them or send garbage as Opus: the jitter
// buffer (package voice) must bound what it keeps, and the decoder treats a
// payload libopus refuses as a lost packet.
package talk
