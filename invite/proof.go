package invite

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	proofContext       = "ra-p2p/proof/v1"
	secretProofContext = "ra-p2p/proof-secret/v1"
	punchContext       = "ra-p2p/punch/v1"
)

// Proof is what the helper sends to show it holds the invitation secret (and
// the password, through pwKey; nil when there is none):
//
//	key   = HKDF-SHA256(ikm = secret || pwKey, salt = none, info = "ra-p2p/proof/v1", 32 bytes)
//	proof = HMAC-SHA256(key, "ra-p2p/proof/v1" || u32be(len(novice)) || novice ||
//	                         u32be(len(helper)) || helper || nonce)
//
// novice and helper are the raw peer ID bytes; the nonce comes from the
// novice, fresh for every attempt.
func Proof(secret [32]byte, pwKey []byte, novice, helper peer.ID, nonce []byte) []byte {
	ikm := make([]byte, 0, len(secret)+len(pwKey))
	ikm = append(ikm, secret[:]...)
	ikm = append(ikm, pwKey...)
	key, err := hkdf.Key(sha256.New, ikm, nil, proofContext, sha256.Size)
	if err != nil {
		// Only possible for output lengths above 255*32 bytes.
		panic("invite: hkdf: " + err.Error())
	}
	return bindingMAC(key, proofContext, novice, helper, nonce)
}

// VerifyProof recomputes Proof and compares it in constant time.
func VerifyProof(secret [32]byte, pwKey []byte, novice, helper peer.ID, nonce, proof []byte) bool {
	return hmac.Equal(Proof(secret, pwKey, novice, helper, nonce), proof)
}

// SecretProof shows the helper holds the invitation secret, whatever the
// password: it is sent beside Proof so that the novice tells a stranger (no
// secret: noise, never counted) from a helper who mistyped the password
// (counted toward the lock). It reveals nothing about the password.
//
//	proof = HMAC-SHA256(key = secret, "ra-p2p/proof-secret/v1" || u32be(len(novice)) || novice ||
//	                    u32be(len(helper)) || helper || nonce)
func SecretProof(secret [32]byte, novice, helper peer.ID, nonce []byte) []byte {
	return bindingMAC(secret[:], secretProofContext, novice, helper, nonce)
}

// VerifySecretProof recomputes SecretProof and compares it in constant time.
func VerifySecretProof(secret [32]byte, novice, helper peer.ID, nonce, proof []byte) bool {
	return hmac.Equal(SecretProof(secret, novice, helper, nonce), proof)
}

// PunchProof authorizes a birthday punch request
// (traversal.PunchProtocol), which comes before the session proof: it shows
// the requester holds the invitation secret, so nobody else can make the
// novice's computer send probes. A distinct context keeps it from ever counting as a session proof.
//
//	proof = HMAC-SHA256(key = secret, "ra-p2p/punch/v1" || u32be(len(novice)) || novice ||
//	                    u32be(len(helper)) || helper || nonce)
func PunchProof(secret [32]byte, novice, helper peer.ID, nonce []byte) []byte {
	return bindingMAC(secret[:], punchContext, novice, helper, nonce)
}

// bindingMAC is HMAC-SHA256(key, context || u32be(len(novice)) || novice ||
// u32be(len(helper)) || helper || nonce): every proof binds both peer IDs
// and the nonce under its own context.
func bindingMAC(key []byte, context string, novice, helper peer.ID, nonce []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(context))
	writeLenPrefixed(mac, []byte(novice))
	writeLenPrefixed(mac, []byte(helper))
	mac.Write(nonce)
	return mac.Sum(nil)
}

func writeLenPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

const resumeContext = "ra-p2p/resume/v1"

// ResumeKey is a session's resumption secret: both sides compute it once the
// novice accepted the helper, from the invitation secret and the nonce of
// the handshake that was accepted, so it is bound to this session, this
// novice and this helper:
//
//	key = HKDF-SHA256(ikm = secret, salt = nonce, info = "ra-p2p/resume/v1" || u32be(len(novice)) || novice ||
//	                  u32be(len(helper)) || helper, 32 bytes)
//
// The novice honours it only while the session is reconnecting, within its
// grace period (session.NoviceConfig.ResumeGrace).
func ResumeKey(secret [32]byte, novice, helper peer.ID, nonce []byte) []byte {
	return sessionKey(secret, nonce, resumeContext, novice, helper, sha256.Size)
}

// sessionKey is HKDF-SHA256(ikm = secret, salt, info = context ||
// u32be(len(novice)) || novice || u32be(len(helper)) || helper), n bytes:
// a key bound to one invitation, one novice and one helper.
func sessionKey(secret [32]byte, salt []byte, context string, novice, helper peer.ID, n int) []byte {
	info := make([]byte, 0, len(context)+8+len(novice)+len(helper))
	info = append(info, context...)
	info = binary.BigEndian.AppendUint32(info, uint32(len(novice)))
	info = append(info, novice...)
	info = binary.BigEndian.AppendUint32(info, uint32(len(helper)))
	info = append(info, helper...)
	key, err := hkdf.Key(sha256.New, secret[:], salt, string(info), n)
	if err != nil {
		panic("invite: hkdf: " + err.Error())
	}
	return key
}

// ResumeProof shows the helper holds a session's resumption key, for a
// fresh nonce of the novice's:
//
//	proof = HMAC-SHA256(key, "ra-p2p/resume/v1" || u32be(len(novice)) || novice ||
//	                    u32be(len(helper)) || helper || nonce)
func ResumeProof(key []byte, novice, helper peer.ID, nonce []byte) []byte {
	return bindingMAC(key, resumeContext, novice, helper, nonce)
}

const codeContext = "ra-p2p/verification-code/v1"

// VerificationCode is the short code both sides of a session show, so the
// novice can ask the helper she expects to read his out (by phone, say):
//
//	key  = HKDF-SHA256(ikm = secret, salt = none,
//	                   info = "ra-p2p/verification-code/v1" || u32be(len(novice)) || novice ||
//	                          u32be(len(helper)) || helper, 4 bytes)
//	code = key as a big-endian number mod 1,000,000, written "123 456"
//
// Someone else holding the same invitation connects with another peer ID
// and gets another code; nobody without the secret can make one. Six
// digits read well over a phone in any language (a word list would be
// English only).
func VerificationCode(secret [32]byte, novice, helper peer.ID) string {
	n := binary.BigEndian.Uint32(sessionKey(secret, nil, codeContext, novice, helper, 4)) % 1_000_000
	return fmt.Sprintf("%03d %03d", n/1000, n%1000)
}
