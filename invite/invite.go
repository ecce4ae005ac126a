package invite

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// FormatVersion is the version byte this package writes at the start of
// every payload. Parse refuses payloads with a higher version.
const FormatVersion = 1

// MaxClockSkew is how far in the future Parse accepts an invitation's
// creation time: computers' clocks differ by seconds or minutes, not more.
const MaxClockSkew = 15 * time.Minute

// Lifetimes accepted by New (Options.TTL) and by Parse (Expires - Created).
const (
	DefaultTTL = 2 * time.Hour
	MinTTL     = time.Minute
	MaxTTL     = 30 * 24 * time.Hour
)

// Limits on the fields of an invitation.
const (
	maxNameRunes    = 64
	maxMessageRunes = 500
	maxAddrs        = 16
	maxAddrLen      = 256
	// maxUnix is 9999-12-31T23:59:59Z: times beyond it do not format as
	// four-digit years and are certainly not meant.
	maxUnix = 253402300799
)

// Sentinel errors returned (wrapped) by Parse, OneLine and Store. Test them
// with errors.Is.
var (
	ErrDamaged            = errors.New("invite: the invitation is damaged")
	ErrTampered           = errors.New("invite: the invitation's signature does not match")
	ErrExpired            = errors.New("invite: the invitation has expired")
	ErrFromTheFuture      = errors.New("invite: the invitation was made after now (a clock is wrong)")
	ErrUnsupportedVersion = errors.New("invite: the invitation was made by a newer version of ra-p2p")
	ErrNotFound           = errors.New("invite: no such invitation in the store")
	// ErrDamagedRecord: a record of the store cannot be read (cut short,
	// emptied, edited); List skips it and names it, Revoke removes it.
	ErrDamagedRecord = errors.New("invite: the invitation's record is damaged")
	// ErrPasswordRequired is returned by PasswordKey when the invitation
	// needs a password and none was given.
	ErrPasswordRequired = errors.New("invite: this invitation requires a password")
)

// Invitation is what the novice hands to a helper. Everything in it is signed
// by the novice's per-invitation key; after Parse it is authentic as far as
// the signature goes, but the novice's Name and Message are still just what
// the novice typed.
type Invitation struct {
	Version   int
	PeerID    peer.ID       // the novice's per-invitation identity
	PublicKey crypto.PubKey // Ed25519; PeerID is derived from it
	Secret    [32]byte      // 256-bit random invitation secret; never log it
	Name      string        // novice's display name, 1..64 runes, no control characters
	Message   string        // personal message, at most 500 runes; may contain newlines
	Created   time.Time     // UTC, second precision
	Expires   time.Time     // UTC, second precision
	Password  *PasswordParams
	NoControl bool     // the novice disabled remote control for this invitation
	Addrs     []string // optional multiaddr hints
	Bootstrap []string // optional bootstrap peers (multiaddrs with /p2p/ID); empty = default public DHT
}

// Options configure New. The zero value of each field says what it means.
type Options struct {
	Name      string // required; leading and trailing spaces are removed
	Message   string // "" = no message; CRLF becomes LF
	Password  string // "" = no password
	TTL       time.Duration
	NoControl bool
	Addrs     []string
	Bootstrap []string
	Now       time.Time // zero = time.Now()
}

// New makes a fresh Ed25519 key pair and invitation secret. It returns the
// invitation, its private key and, when opts.Password is set, the 32-byte
// password verifier (see PasswordKey) that the novice keeps; the password
// itself is not kept anywhere.
func New(opts Options) (inv *Invitation, priv crypto.PrivKey, pwKey []byte, err error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < MinTTL || ttl > MaxTTL {
		return nil, nil, nil, fmt.Errorf("making invitation: lifetime %v is not between %v and %v", ttl, MinTTL, MaxTTL)
	}

	priv, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("making invitation key: %w", err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("making invitation peer ID: %w", err)
	}
	created := now.UTC().Truncate(time.Second)
	inv = &Invitation{
		Version:   FormatVersion,
		PeerID:    id,
		PublicKey: pub,
		Name:      strings.TrimSpace(opts.Name),
		Message:   strings.TrimSpace(strings.ReplaceAll(opts.Message, "\r\n", "\n")),
		Created:   created,
		Expires:   created.Add(ttl).Truncate(time.Second),
		NoControl: opts.NoControl,
		Addrs:     cloneStrings(opts.Addrs),
		Bootstrap: cloneStrings(opts.Bootstrap),
	}
	rand.Read(inv.Secret[:])
	if opts.Password != "" {
		inv.Password = defaultPasswordParams()
	}
	if err := inv.validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("making invitation: %w", err)
	}
	if opts.Password != "" {
		if pwKey, err = inv.PasswordKey(opts.Password); err != nil {
			return nil, nil, nil, fmt.Errorf("making invitation: %w", err)
		}
	}
	return inv, priv, pwKey, nil
}

// ID is a short stable identifier for listing and revoking: the first 10
// characters of the lower-case base32 SHA-256 of the secret. It is safe to
// show.
func (inv *Invitation) ID() string {
	sum := sha256.Sum256(inv.Secret[:])
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:idLen]
}

const idLen = 10

// DiscoveryKey is SHA-256("ra-p2p/discovery/v1" || secret), the DHT key the
// novice announces and the helper looks up. Only secret holders can compute it.
func (inv *Invitation) DiscoveryKey() []byte {
	h := sha256.New()
	h.Write([]byte("ra-p2p/discovery/v1"))
	h.Write(inv.Secret[:])
	return h.Sum(nil)
}

// validate checks the fields a writer controls; the errors are plain reasons
// that the caller wraps. Signature and key checks are done elsewhere.
func (inv *Invitation) validate() error {
	if inv.Version != FormatVersion {
		return fmt.Errorf("format version %d is not %d", inv.Version, FormatVersion)
	}
	if _, ok := inv.PublicKey.(*crypto.Ed25519PublicKey); !ok {
		return errors.New("the invitation key is not an Ed25519 key")
	}
	if !inv.PeerID.MatchesPublicKey(inv.PublicKey) {
		return errors.New("the peer ID does not match the invitation key")
	}
	if err := CheckName(inv.Name); err != nil {
		return err
	}
	if err := CheckMessage(inv.Message); err != nil {
		return err
	}
	c, e := inv.Created.Unix(), inv.Expires.Unix()
	if c <= 0 || c > maxUnix || e <= 0 || e > maxUnix {
		return errors.New("the creation or expiry time is out of range")
	}
	if ttl := time.Duration(e-c) * time.Second; ttl < MinTTL || ttl > MaxTTL {
		return fmt.Errorf("the lifetime %v is not between %v and %v", ttl, MinTTL, MaxTTL)
	}
	if inv.Password != nil {
		if err := inv.Password.check(); err != nil {
			return err
		}
	}
	if len(inv.Addrs) > maxAddrs || len(inv.Bootstrap) > maxAddrs {
		return fmt.Errorf("more than %d address hints or bootstrap peers", maxAddrs)
	}
	for _, a := range inv.Addrs {
		if len(a) > maxAddrLen {
			return errors.New("an address hint is too long")
		}
		if _, err := ma.NewMultiaddr(a); err != nil {
			return fmt.Errorf("address hint %q is not a multiaddr", a)
		}
	}
	for _, a := range inv.Bootstrap {
		if len(a) > maxAddrLen {
			return errors.New("a bootstrap peer address is too long")
		}
		if _, err := peer.AddrInfoFromString(a); err != nil {
			return fmt.Errorf("bootstrap peer %q is not a multiaddr ending in /p2p/ID", a)
		}
	}
	return nil
}

// CheckName says what is wrong with s as the name in an invitation (nil:
// nothing), in words for the person typing it.
func CheckName(s string) error {
	n := utf8.RuneCountInString(s)
	if strings.TrimSpace(s) == "" || n > maxNameRunes {
		return fmt.Errorf("the name must be 1 to %d characters", maxNameRunes)
	}
	if err := checkText(s, false); err != nil {
		return fmt.Errorf("the name %w", err)
	}
	return nil
}

// CheckMessage says what is wrong with s as an invitation's message.
func CheckMessage(s string) error {
	if utf8.RuneCountInString(s) > maxMessageRunes {
		return fmt.Errorf("the message is longer than %d characters", maxMessageRunes)
	}
	if err := checkText(s, true); err != nil {
		return fmt.Errorf("the message %w", err)
	}
	return nil
}

// checkText refuses invalid UTF-8, control characters and characters that
// reorder or break displayed text (so a name cannot pose as another on the
// helper's screen). Newlines and tabs pass when multiline is set.
func checkText(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || isLayoutControl(r) {
			return fmt.Errorf("contains the control character %U", r)
		}
	}
	return nil
}

func isLayoutControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F, // bidi marks
		r >= 0x202A && r <= 0x202E, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidi isolates
		r == 0x2028, r == 0x2029:   // line and paragraph separators
		return true
	}
	return false
}

func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}
