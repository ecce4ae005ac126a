package stream

import (
	"errors"
	"fmt"
	"io"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Resume message types (ResumeProtocol). After the result the stream is a
// session stream (MsgStatus both ways), so the numbers continue the
// session protocol's. Values are part of the wire format: never reuse one.
const (
	MsgResumeChallenge framing.MsgType = 6 // novice → helper: a fresh nonce
	MsgResumeProof     framing.MsgType = 7 // helper → novice: the MAC over it
)

// ResumeChallenge is the novice's first message on a resume stream.
type ResumeChallenge struct {
	Nonce []byte `json:"nonce"` // fresh, NonceSize bytes
}

// ResumeProof is the helper's answer: invite.ResumeProof over the nonce (a
// claim until the novice checks it).
type ResumeProof struct {
	MAC []byte `json:"mac"`
}

// ErrResumeRejected is returned by ResumeNovice when the proof is wrong and
// by ResumeHelper when the novice answered "rejected" (it no longer keeps
// the session, or the key is not this session's).
var ErrResumeRejected = errors.New("stream: session resumption refused")

// ResumeHelper runs the helper's side of a resumption over rw: it reads the
// novice's nonce, answers with prove(nonce) and returns the session stream
// once the novice accepted.
func ResumeHelper(rw io.ReadWriter, prove func(nonce []byte) []byte) (*Session, error) {
	fr := framing.NewFrameReader(rw, MaxSessionMessage)
	var ch ResumeChallenge
	if err := fr.ReadJSON(MsgResumeChallenge, &ch); err != nil {
		return nil, fmt.Errorf("reading resume challenge: %w", err)
	}
	if len(ch.Nonce) != NonceSize {
		return nil, fmt.Errorf("reading resume challenge: nonce of %d bytes", len(ch.Nonce))
	}
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgResumeProof, ResumeProof{MAC: prove(ch.Nonce)}); err != nil {
		return nil, fmt.Errorf("sending resume proof: %w", err)
	}
	var res Result
	if err := fr.ReadJSON(MsgResult, &res); err != nil {
		return nil, fmt.Errorf("reading resume result: %w", err)
	}
	if res.Outcome != OutcomeAccepted {
		return nil, ErrResumeRejected
	}
	return &Session{fr: fr, w: rw}, nil
}

// ResumeNovice runs the novice's side over rw with a fresh nonce: it
// returns the session stream when verify accepts the helper's MAC, else
// ErrResumeRejected (after answering "rejected") or the stream's error.
func ResumeNovice(rw io.ReadWriter, nonce []byte, verify func(mac []byte) bool) (*Session, error) {
	fr := framing.NewFrameReader(rw, MaxSessionMessage)
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgResumeChallenge, ResumeChallenge{Nonce: nonce}); err != nil {
		return nil, fmt.Errorf("sending resume challenge: %w", err)
	}
	var p ResumeProof
	if err := fr.ReadJSON(MsgResumeProof, &p); err != nil {
		return nil, fmt.Errorf("reading resume proof: %w", err)
	}
	if !verify(p.MAC) {
		_ = framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeRejected})
		return nil, ErrResumeRejected
	}
	if err := framing.WriteJSON(rw, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAccepted}); err != nil {
		return nil, fmt.Errorf("sending resume result: %w", err)
	}
	return &Session{fr: fr, w: rw}, nil
}
