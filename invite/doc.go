// Package invite makes, signs, armors, parses and checks ra-p2p invitations,
// derives the password verifier and the helper's proof, and keeps the
// novice's per-invitation keys on disk (Store).
//
// A novice runs "ra-p2p invite": New makes a fresh Ed25519 key pair (the
// novice's libp2p identity for this invitation only) and a 256-bit secret,
// Encode signs and armors them, and the text goes to a helper by mail or
// chat. The helper runs "ra-p2p help FILE": Parse checks the text, and the
// helper dials Invitation.PeerID, looks it up under DiscoveryKey, and answers
// the novice's challenge with Proof.
//
// # What this package must never do
//
//   - Touch the network. It only reads and writes bytes and local files.
//   - Put the secret, a password, a password key or a private key in an error,
//     a log line or a String method. Errors name fields and limits, not values
//     (except the public display name, peer ID and address hints).
//
// # Armored form
//
//	-----BEGIN RA-P2P INVITATION-----
//	From: <name>                        \
//	Message: <message on one line>       | for people only: never read back,
//	Expires: 2006-01-02 15:04 UTC        | may be rewrapped or quoted
//	Open with: ra-p2p help <this file>  /
//	                                     (blank line)
//	<base64 (standard alphabet, padded) of the payload, 64 columns>
//	Checksum: <8 chars>
//	-----END RA-P2P INVITATION-----
//
// The checksum is the first 5 bytes of SHA-256(payload) in lower-case base32
// without padding. Parse reads lines after removing CR, indentation, trailing
// spaces and any number of leading ">" quote marks; it takes the first BEGIN
// line, the first END line after it, the last non-blank line before END as
// the checksum, and the run of non-blank base64 lines just above the checksum
// as the data. The header lines are skipped, so they cannot steer the parser;
// the "Open with" line is last because its final word ends in ">", so no
// rewrapped fragment of the header can pass for base64.
//
// # One-line form
//
//	rainvite1:<base64url of the payload, unpadded>.<checksum>
//
// The same payload bytes and checksum as the armored form. "1" is the version
// of this encoding; another number is ErrUnsupportedVersion. Whitespace
// inside it (a chat client wrapping it) is skipped.
//
// # Payload
//
//	offset  size  field
//	0       1     format version, FormatVersion (1)
//	1       n     body: UTF-8 JSON object (below), as written by the novice
//	1+n     64    Ed25519 signature by the invitation key over
//	              "ra-p2p/invitation/v1" || payload[0:1+n]
//
// The whole payload is at most 16 KiB and the input text at most 64 KiB.
// Version-1 body fields:
//
//	peer     string  novice's peer ID (must be derived from key)
//	key      base64  raw 32-byte Ed25519 public key
//	secret   base64  32-byte invitation secret
//	name     string  1..64 runes, no control or bidi characters
//	msg      string  optional, <= 500 runes, newlines and tabs allowed
//	created  int     Unix seconds (UTC)
//	expires  int     Unix seconds; expires-created between 1 minute and 30 days
//	pw       object  optional: {"salt": base64 16 bytes, "t": argon2id time 1..20,
//	                 "m": memory KiB 8*p..1 GiB, "p": threads 1..16}
//	noctl    bool    optional: remote control disabled
//	addrs    [string] optional: <= 16 multiaddr hints
//	boot     [string] optional: <= 16 bootstrap multiaddrs ending in /p2p/ID
//
// Unknown fields are ignored (they are still covered by the signature); an
// incompatible change bumps the version byte.
//
// # What is trusted
//
// Parse checks, in order: armor and checksum (ErrDamaged: the copy was
// mangled), version (ErrUnsupportedVersion), the signature with the body's
// key and that the peer ID is that key's (ErrTampered), field limits
// (ErrDamaged), expiry (ErrExpired, invitation still returned). A valid
// signature proves only that whoever holds the invitation key wrote the
// payload; it is the pinned peer ID, checked again by libp2p's handshake,
// that ties the invitation to the machine the helper reaches. Name and
// Message are the novice's claims and are shown as such. The KDF parameters
// are bounded so that a crafted file cannot make the helper burn memory.
//
// # Proof and store
//
// Proof binds the secret, the password key, both peer IDs and the novice's
// nonce; see Proof for the exact bytes. Store keeps one JSON file per
// invitation (signed payload, private key, password key, revoked and locked
// marks, the count of wrong passwords) in a 0700 directory, files 0600, written by temporary file and
// rename.
package invite
