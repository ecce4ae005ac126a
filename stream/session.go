package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Session message types. Values are part of the wire format: never reuse one.
const (
	MsgHello     framing.MsgType = 1 // helper → novice: who I am
	MsgChallenge framing.MsgType = 2 // novice → helper: who I am, a nonce, whether a password is needed
	MsgProof     framing.MsgType = 3 // helper → novice: proof of the invitation (and password)
	MsgResult    framing.MsgType = 4 // novice → helper: outcome of the proof or of the novice's decision
	MsgStatus    framing.MsgType = 5 // either way, after acceptance: status events
)

// Hello is the helper's first message on the session protocol.
type Hello struct {
	Name string   `json:"name"`           // what the helper calls itself (a claim)
	App  string   `json:"app,omitempty"`  // software and version, for diagnostics
	Caps []string `json:"caps,omitempty"` // capabilities the helper supports, e.g. "chat"
}

// Challenge is the novice's answer to Hello.
type Challenge struct {
	Name             string   `json:"name"`
	Nonce            []byte   `json:"nonce"` // fresh, NonceSize bytes, bound into the proof
	PasswordRequired bool     `json:"password_required"`
	Caps             []string `json:"caps,omitempty"`
}

// Proof carries the helper's two MACs over the nonce and both peer IDs:
// SecretMAC shows the invitation secret alone, MAC the secret and the
// password (invite.SecretProof, invite.Proof). With both the novice tells a
// stranger (SecretMAC wrong: rejected, never counted) from a helper who
// mistyped the password (SecretMAC right, MAC wrong: counted toward the lock).
type Proof struct {
	MAC       []byte `json:"mac"`
	SecretMAC []byte `json:"secret_mac,omitempty"` // since 2026-12-04; a novice rejects a proof without it
}

// Outcome is what the novice decided about a proof or a helper.
type Outcome string

const (
	OutcomeAsking        Outcome = "asking"         // proof good, the novice is being asked
	OutcomeAccepted      Outcome = "accepted"       // session open
	OutcomeDeclined      Outcome = "declined"       // the novice said no
	OutcomeWrongPassword Outcome = "wrong-password" // try again while AttemptsLeft > 0
	OutcomeLocked        Outcome = "locked"         // too many wrong passwords: invitation locked
	OutcomeRevoked       Outcome = "revoked"        // the novice revoked the invitation
	OutcomeBusy          Outcome = "busy"           // the novice already has a helper (said only after the secret is proven)
	// OutcomeDeclinedRecently: the novice declined a helper a moment ago
	// and takes no new request on this invitation yet (said only after the
	// secret is proven).
	OutcomeDeclinedRecently Outcome = "declined-recently"
	OutcomeRejected         Outcome = "rejected" // proof of the invitation secret itself is wrong
)

// Result is the novice's verdict.
type Result struct {
	Outcome      Outcome `json:"outcome"`
	AttemptsLeft int     `json:"attempts_left,omitempty"`
}

// Status is an event after acceptance, either way.
type Status struct {
	Event string `json:"event"`          // "bye" ends the session; others are informative
	Text  string `json:"text,omitempty"` // a plain sentence for the history
	Seq   uint64 `json:"seq,omitempty"`  // StatusChatAck: the chat line acknowledged
}

// StatusChatAck acknowledges the chat line numbered Seq and every one
// before it (since 2026-12-05; older peers ignore it, having no text).
const StatusChatAck = "chat-ack"

// StatusBye is the event a side sends when it ends the session on purpose.
const StatusBye = "bye"

// StatusAlive is sent every second by a side that notices a silent
// connection (since 2026-12-04; older peers ignore it, having no text): a
// peer that sent one and then goes quiet has lost its connection.
const StatusAlive = "alive"

// NonceSize is the size of the challenge nonce.
const NonceSize = 32

// MaxNameRunes bounds the names both sides show.
const MaxNameRunes = 64

// HelperError reports a session the novice's side ended with an outcome.
type HelperError struct{ Result Result }

func (e *HelperError) Error() string { return "session refused: " + string(e.Result.Outcome) }

// ErrAttemptsExhausted is returned by the novice's handshake when the last
// allowed wrong password was used up.
var ErrAttemptsExhausted = errors.New("stream: wrong password too many times")

// ErrProofRejected is returned by the novice's handshake when the proof of the
// invitation secret itself is wrong (a stranger, not a password mistake).
var ErrProofRejected = errors.New("stream: proof of the invitation is wrong")

// HelperConfig drives the helper's side of the session handshake.
type HelperConfig struct {
	Hello Hello
	// Prove returns the proof for the nonce. attempt counts from 1; left is the
	// number of attempts the novice still allows after a wrong password (0 on the
	// first attempt means "unknown"). It is where the caller asks for a password.
	Prove func(ch Challenge, attempt, left int) (Proof, error)
	// Asking is called when the novice is being asked to accept; may be nil.
	Asking func()
}

// HelperHandshake runs the helper's side over rw and returns the novice's
// challenge (its name and capabilities) and the accepted session when the
// novice accepts. A refusal is a *HelperError.
func HelperHandshake(rw io.ReadWriter, cfg HelperConfig) (Challenge, *Session, error) {
	ch, fr, err := helperHandshake(rw, cfg)
	if err != nil {
		return ch, nil, err
	}
	return ch, &Session{fr: fr, w: rw}, nil
}

func helperHandshake(rw io.ReadWriter, cfg HelperConfig) (Challenge, *framing.FrameReader, error) {
	fr := framing.NewFrameReader(rw, MaxSessionMessage)
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgHello, cfg.Hello); err != nil {
		return Challenge{}, nil, err
	}
	// A novice that refuses every helper (Refuse: revoked, locked, busy) answers
	// the hello with a Result instead of a challenge.
	t, body, err := fr.ReadFrame()
	if err != nil {
		return Challenge{}, nil, fmt.Errorf("reading challenge: %w", err)
	}
	if t == MsgResult {
		var res Result
		if err := json.Unmarshal(body, &res); err != nil {
			return Challenge{}, nil, fmt.Errorf("decoding refusal: %w", err)
		}
		switch res.Outcome {
		case OutcomeAsking, OutcomeAccepted, OutcomeWrongPassword:
			return Challenge{}, nil, fmt.Errorf("reading challenge: outcome %q before any proof", res.Outcome)
		}
		return Challenge{}, nil, &HelperError{res}
	}
	if t != MsgChallenge {
		return Challenge{}, nil, fmt.Errorf("reading challenge: got type %d, want %d", t, MsgChallenge)
	}
	var ch Challenge
	if err := json.Unmarshal(body, &ch); err != nil {
		return Challenge{}, nil, fmt.Errorf("reading challenge: decoding message type %d: %w", t, err)
	}
	if len(ch.Nonce) != NonceSize {
		return Challenge{}, nil, fmt.Errorf("reading challenge: nonce of %d bytes", len(ch.Nonce))
	}
	ch.Name = CleanName(ch.Name)
	left := 0
	for attempt := 1; ; attempt++ {
		p, err := cfg.Prove(ch, attempt, left)
		if err != nil {
			return ch, nil, err
		}
		if err := framing.WriteJSON(rw, MaxSessionMessage, MsgProof, p); err != nil {
			return ch, nil, err
		}
	read:
		var res Result
		if err := fr.ReadJSON(MsgResult, &res); err != nil {
			return ch, nil, fmt.Errorf("reading result: %w", err)
		}
		switch res.Outcome {
		case OutcomeAsking:
			if cfg.Asking != nil {
				cfg.Asking()
			}
			goto read
		case OutcomeAccepted:
			return ch, fr, nil
		case OutcomeWrongPassword:
			if res.AttemptsLeft <= 0 {
				return ch, nil, &HelperError{Result{Outcome: OutcomeLocked}}
			}
			left = res.AttemptsLeft
			continue
		default:
			return ch, nil, &HelperError{res}
		}
	}
}

// NoviceConfig drives the novice's side of the session handshake.
type NoviceConfig struct {
	Challenge Challenge
	// Refuse, when not "", answers every helper with this outcome before
	// any challenge (revoked, locked).
	Refuse Outcome
	// VerifySecret says whether a proof's SecretMAC shows the invitation
	// secret. A proof that does not is a stranger's: it is answered
	// "rejected" (ErrProofRejected) and never counts as a wrong password.
	// Nil rejects every proof.
	VerifySecret func(mac []byte) bool
	// Verify says whether the MAC proves the invitation and password.
	Verify func(mac []byte) bool
	// Admit is called once, at the first proof that shows the secret: it
	// returns how many wrong passwords are still allowed, or an outcome that
	// refuses the helper now (busy, locked); left <= 0 refuses as locked.
	// Only a peer that holds the secret reaches it, so it is where the
	// caller gives out what strangers must not hold. Nil admits with Attempts.
	Admit func() (left int, refuse Outcome)
	// Attempts is how many wrong passwords are allowed before locking when
	// Admit is nil (0 = 3).
	Attempts int
	// WrongPassword is told about each wrong attempt and how many are left.
	WrongPassword func(left int)
	// Decide asks the novice whether to accept the helper.
	Decide func(h Hello) bool
}

// NoviceHandshake runs the novice's side over rw. It returns the helper's
// hello and the accepted session when the novice accepted, a nil session when
// the helper was refused (Refuse, Admit, Decide); ErrAttemptsExhausted after
// the last wrong password (the caller locks the invitation), ErrProofRejected
// for a proof without the secret, another error when the helper went away or
// broke the protocol.
func NoviceHandshake(rw io.ReadWriter, cfg NoviceConfig) (Hello, *Session, error) {
	h, fr, ok, err := noviceHandshake(rw, cfg)
	if err != nil || !ok {
		return h, nil, err
	}
	return h, &Session{fr: fr, w: rw}, nil
}

func noviceHandshake(rw io.ReadWriter, cfg NoviceConfig) (Hello, *framing.FrameReader, bool, error) {
	fr := framing.NewFrameReader(rw, MaxSessionMessage)
	var h Hello
	if err := fr.ReadJSON(MsgHello, &h); err != nil {
		return h, fr, false, fmt.Errorf("reading hello: %w", err)
	}
	h.Name = CleanName(h.Name)
	if h.Name == "" {
		h.Name = "Your helper"
	}
	if cfg.Refuse != "" {
		return h, fr, false, framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: cfg.Refuse})
	}
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgChallenge, cfg.Challenge); err != nil {
		return h, fr, false, err
	}
	attempts := cfg.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	for admitted := false; ; {
		var p Proof
		if err := fr.ReadJSON(MsgProof, &p); err != nil {
			return h, fr, false, fmt.Errorf("reading proof: %w", err)
		}
		if cfg.VerifySecret == nil || !cfg.VerifySecret(p.SecretMAC) {
			_ = framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeRejected})
			return h, fr, false, ErrProofRejected
		}
		if !admitted {
			admitted = true
			refuse := Outcome("")
			if cfg.Admit != nil {
				attempts, refuse = cfg.Admit()
			}
			if refuse == "" && attempts <= 0 {
				refuse = OutcomeLocked
			}
			if refuse != "" {
				return h, fr, false, framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: refuse})
			}
		}
		if cfg.Verify(p.MAC) {
			break
		}
		if !cfg.Challenge.PasswordRequired {
			_ = framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeRejected})
			return h, fr, false, ErrProofRejected
		}
		attempts--
		if cfg.WrongPassword != nil {
			cfg.WrongPassword(attempts)
		}
		if attempts <= 0 {
			_ = framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeLocked})
			return h, fr, false, ErrAttemptsExhausted
		}
		if err := framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeWrongPassword, AttemptsLeft: attempts}); err != nil {
			return h, fr, false, err
		}
	}
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAsking}); err != nil {
		return h, fr, false, err
	}
	if !cfg.Decide(h) {
		return h, fr, false, framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeDeclined})
	}
	return h, fr, true, framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAccepted})
}

// CleanName bounds a peer-supplied name for display: control characters
// dropped, at most MaxNameRunes runes, surrounding spaces trimmed.
func CleanName(s string) string {
	return cleanText(s, MaxNameRunes, false)
}

func cleanText(s string, maxRunes int, keepNewlines bool) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if len(out) >= maxRunes {
			break
		}
		if r == utf8.RuneError || (r < 0x20 && !(keepNewlines && r == '\n')) || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			invisible(r, keepNewlines) {
			continue
		}
		out = append(out, r)
	}
	return trimSpace(string(out))
}

// invisible says whether r changes how text looks without being seen:
// format characters (bidi overrides, embeddings, isolates and marks that can
// disguise "invoice\u202etxt.exe"; zero-width spaces; the BOM; tag
// characters) and the line and paragraph separators U+2028 and U+2029
// (which start a new line where newlines are not allowed). Chat keeps the
// zero-width joiner and non-joiner, which emoji sequences and some scripts
// need.
func invisible(r rune, chat bool) bool {
	if r == 0x2028 || r == 0x2029 {
		return true
	}
	if !unicode.Is(unicode.Cf, r) {
		return false
	}
	return !chat || (r != 0x200c && r != 0x200d)
}

func trimSpace(s string) string {
	start, end := 0, len(s)
	for start < end && isBlank(s[start]) {
		start++
	}
	for end > start && isBlank(s[end-1]) {
		end--
	}
	return s[start:end]
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\n' }
