package stream

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

func TestResume(t *testing.T) {
	mac := seq(7)
	tests := map[string]struct {
		helperMAC []byte
		want      error
	}{
		"the session's helper resumes": {helperMAC: mac},
		"a wrong proof is refused":     {helperMAC: seq(9), want: ErrResumeRejected},
		"an empty proof is refused":    {helperMAC: nil, want: ErrResumeRejected},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			type result struct {
				s   *Session
				err error
			}
			novice := make(chan result, 1)
			go func() {
				s, err := ResumeNovice(b, nonce, func(got []byte) bool { return bytes.Equal(got, mac) })
				if err != nil {
					b.Close()
				}
				novice <- result{s, err}
			}()
			hs, herr := ResumeHelper(a, func(n []byte) []byte {
				if !bytes.Equal(n, nonce) {
					t.Errorf("helper got nonce %x, want %x", n, nonce)
				}
				return tt.helperMAC
			})
			nr := <-novice
			if !errors.Is(nr.err, tt.want) || !errors.Is(herr, tt.want) {
				t.Fatalf("novice %v, helper %v; want %v on both", nr.err, herr, tt.want)
			}
			if tt.want != nil {
				return
			}
			// The stream is the session's status stream now.
			go hs.SendStatus(Status{Event: "note", Text: "hi"})
			st, err := nr.s.ReceiveStatus()
			if err != nil || st.Text != "hi" {
				t.Fatalf("status after resuming: %+v, %v", st, err)
			}
		})
	}
}

// TestResumeGolden fixes the bytes of the novice's challenge and the
// helper's proof.
func TestResumeGolden(t *testing.T) {
	var b bytes.Buffer
	framing.WriteJSON(&b, MaxSessionMessage, MsgResumeChallenge, ResumeChallenge{Nonce: []byte{1, 2}})
	framing.WriteJSON(&b, MaxSessionMessage, MsgResumeProof, ResumeProof{MAC: []byte{3}})
	const want = "11067b226e6f6e6365223a224151493d227d" + "0f077b226d6163223a2241773d3d227d"
	if got := hex.EncodeToString(b.Bytes()); got != want {
		t.Errorf("frames\n got %s\nwant %s", got, want)
	}
}

// FuzzResumeNovice feeds arbitrary bytes as the helper: no proof is right,
// so it must end with an error and no session.
func FuzzResumeNovice(f *testing.F) {
	var b bytes.Buffer
	framing.WriteJSON(&b, MaxSessionMessage, MsgResumeProof, ResumeProof{MAC: seq(7)})
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ResumeNovice(rw{bytes.NewReader(in), io.Discard}, nonce, func([]byte) bool { return false })
		if err == nil || s != nil {
			t.Fatalf("a wrong proof resumed the session")
		}
	})
}

// FuzzResumeHelper feeds arbitrary bytes as the novice.
func FuzzResumeHelper(f *testing.F) {
	var b bytes.Buffer
	framing.WriteJSON(&b, MaxSessionMessage, MsgResumeChallenge, ResumeChallenge{Nonce: nonce})
	framing.WriteJSON(&b, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAccepted})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ResumeHelper(rw{bytes.NewReader(in), io.Discard}, func([]byte) []byte { return seq(7) })
		if (err == nil) != (s != nil) {
			t.Fatalf("session %v with error %v", s, err)
		}
	})
}
