package invite

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	// signContext is prepended to the signed bytes so that the invitation
	// key's signature cannot be mistaken for any other libp2p signature.
	signContext = "ra-p2p/invitation/v1"
	sigLen      = ed25519.SignatureSize
	maxPayload  = 16 << 10
)

// wireInvitation is the JSON body of a version-1 payload.
type wireInvitation struct {
	Peer      string        `json:"peer"`
	Key       []byte        `json:"key"` // raw 32-byte Ed25519 public key
	Secret    []byte        `json:"secret"`
	Name      string        `json:"name"`
	Message   string        `json:"msg,omitempty"`
	Created   int64         `json:"created"` // Unix seconds
	Expires   int64         `json:"expires"` // Unix seconds
	Password  *wirePassword `json:"pw,omitempty"`
	NoControl bool          `json:"noctl,omitempty"`
	Addrs     []string      `json:"addrs,omitempty"`
	Bootstrap []string      `json:"boot,omitempty"`
}

type wirePassword struct {
	Salt    []byte `json:"salt"`
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
}

// encodePayload returns version || JSON body || Ed25519 signature.
func encodePayload(inv *Invitation, priv crypto.PrivKey) ([]byte, error) {
	if err := inv.validate(); err != nil {
		return nil, err
	}
	if priv == nil || !inv.PublicKey.Equals(priv.GetPublic()) {
		return nil, errors.New("the private key does not belong to this invitation")
	}
	raw, err := inv.PublicKey.Raw()
	if err != nil {
		return nil, fmt.Errorf("reading the invitation key: %w", err)
	}
	w := wireInvitation{
		Peer:      inv.PeerID.String(),
		Key:       raw,
		Secret:    inv.Secret[:],
		Name:      inv.Name,
		Message:   inv.Message,
		Created:   inv.Created.Unix(),
		Expires:   inv.Expires.Unix(),
		NoControl: inv.NoControl,
		Addrs:     inv.Addrs,
		Bootstrap: inv.Bootstrap,
	}
	if p := inv.Password; p != nil {
		w.Password = &wirePassword{Salt: p.Salt, Time: p.Time, Memory: p.Memory, Threads: p.Threads}
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encoding invitation body: %w", err)
	}
	return signPayload(byte(inv.Version), body, priv)
}

// signPayload assembles version || body || signature.
func signPayload(version byte, body []byte, priv crypto.PrivKey) ([]byte, error) {
	payload := make([]byte, 0, 1+len(body)+sigLen)
	payload = append(payload, version)
	payload = append(payload, body...)
	sig, err := priv.Sign(signedMessage(payload))
	if err != nil {
		return nil, fmt.Errorf("signing invitation: %w", err)
	}
	if len(sig) != sigLen {
		return nil, errors.New("signing invitation: the key is not an Ed25519 key")
	}
	payload = append(payload, sig...)
	if len(payload) > maxPayload {
		return nil, fmt.Errorf("the invitation is larger than %d bytes", maxPayload)
	}
	return payload, nil
}

func signedMessage(signed []byte) []byte {
	return append([]byte(signContext), signed...)
}

// decodePayload checks a payload whose checksum has already been verified:
// version, then signature and key, then fields. It does not check expiry.
func decodePayload(payload []byte) (*Invitation, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: the payload is empty", ErrDamaged)
	}
	switch v := payload[0]; {
	case v > FormatVersion:
		return nil, fmt.Errorf("%w (format %d, this version reads %d)", ErrUnsupportedVersion, v, FormatVersion)
	case v < FormatVersion:
		return nil, fmt.Errorf("%w: unknown format version %d", ErrDamaged, v)
	}
	if len(payload) < 1+2+sigLen || len(payload) > maxPayload {
		return nil, fmt.Errorf("%w: the payload is %d bytes long", ErrDamaged, len(payload))
	}
	signed, sig := payload[:len(payload)-sigLen], payload[len(payload)-sigLen:]

	var w wireInvitation
	if err := json.Unmarshal(signed[1:], &w); err != nil {
		return nil, fmt.Errorf("%w: decoding invitation body: %v", ErrDamaged, err)
	}

	// The signature is checked with the key in the body, and the peer ID must
	// be that key's: anyone can sign, only the novice's key matches the ID the
	// helper will dial.
	pub, err := crypto.UnmarshalEd25519PublicKey(w.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: the invitation key is not an Ed25519 key", ErrTampered)
	}
	if ok, err := pub.Verify(signedMessage(signed), sig); err != nil || !ok {
		return nil, ErrTampered
	}
	id, err := peer.Decode(w.Peer)
	if err != nil || !id.MatchesPublicKey(pub) {
		return nil, fmt.Errorf("%w: the peer ID does not match the invitation key", ErrTampered)
	}

	inv := &Invitation{
		Version:   int(payload[0]),
		PeerID:    id,
		PublicKey: pub,
		Name:      w.Name,
		Message:   w.Message,
		Created:   time.Unix(w.Created, 0).UTC(),
		Expires:   time.Unix(w.Expires, 0).UTC(),
		NoControl: w.NoControl,
		Addrs:     cloneStrings(w.Addrs),
		Bootstrap: cloneStrings(w.Bootstrap),
	}
	if len(w.Secret) != len(inv.Secret) {
		return nil, fmt.Errorf("%w: the secret is %d bytes, not %d", ErrDamaged, len(w.Secret), len(inv.Secret))
	}
	copy(inv.Secret[:], w.Secret)
	if p := w.Password; p != nil {
		inv.Password = &PasswordParams{Salt: p.Salt, Time: p.Time, Memory: p.Memory, Threads: p.Threads}
	}
	if err := inv.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return inv, nil
}
