package stream

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Pipe tests run inside synctest bubbles: a goroutine still blocked on the
// pipe when the test returns fails it as a deadlock instead of leaking or
// hanging, and every goroutine started here is also joined explicitly.

var (
	goodMAC    = seq(0xa0)
	badMAC     = seq(0x50)
	goodSecret = seq(0xc0) // SecretMAC of a peer that holds the invitation
	nonce      = seq(0)
	goodProof  = Proof{MAC: goodMAC, SecretMAC: goodSecret}
)

// holdsSecret is the novice's VerifySecret in these tests.
func holdsSecret(mac []byte) bool { return bytes.Equal(mac, goodSecret) }

// rw joins a reader and a writer, e.g. a bytes.Reader and io.Discard.
type rw struct {
	io.Reader
	io.Writer
}

// tap records the bytes read from c so a test can list the frames a side saw.
func tap(c net.Conn) (io.ReadWriter, *bytes.Buffer) {
	var b bytes.Buffer
	return rw{io.TeeReader(c, &b), c}, &b
}

// frameTypes lists the types of the frames in b.
func frameTypes(t *testing.T, b []byte) []framing.MsgType {
	t.Helper()
	var types []framing.MsgType
	fr := framing.NewFrameReader(bytes.NewReader(b), MaxChatMessage)
	for {
		typ, _, err := fr.ReadFrame()
		if err == io.EOF {
			return types
		}
		if err != nil {
			t.Fatalf("listing frames: %v", err)
		}
		types = append(types, typ)
	}
}

type proveCall struct{ attempt, left int }

func TestHandshake(t *testing.T) {
	const (
		hello     = MsgHello
		challenge = MsgChallenge
		proof     = MsgProof
		result    = MsgResult
	)
	for _, tt := range []struct {
		name     string
		password bool
		attempts int                   // NoviceConfig.Attempts
		refuse   Outcome               // NoviceConfig.Refuse
		admit    func() (int, Outcome) // NoviceConfig.Admit
		macs     [][]byte
		stranger bool // the helper does not hold the secret (SecretMAC wrong)
		decide   bool

		wantProve     []proveCall // (attempt, left) seen by Prove
		wantWrong     []int       // seen by WrongPassword
		wantAsking    bool
		wantDecide    bool
		wantOutcome   Outcome // the helper's *HelperError; "" for a session
		wantNoviceErr error
		helperSaw     []framing.MsgType
		noviceSaw     []framing.MsgType
	}{
		{
			name: "no password, accepted",
			macs: [][]byte{goodMAC}, decide: true,
			wantProve: []proveCall{{1, 0}}, wantAsking: true, wantDecide: true,
			helperSaw: []framing.MsgType{challenge, result, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "password right first time", password: true,
			macs: [][]byte{goodMAC}, decide: true,
			wantProve: []proveCall{{1, 0}}, wantAsking: true, wantDecide: true,
			helperSaw: []framing.MsgType{challenge, result, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "wrong password then right", password: true,
			macs: [][]byte{badMAC, goodMAC}, decide: true,
			wantProve: []proveCall{{1, 0}, {2, 2}}, wantWrong: []int{2}, wantAsking: true, wantDecide: true,
			helperSaw: []framing.MsgType{challenge, result, result, result}, noviceSaw: []framing.MsgType{hello, proof, proof},
		},
		{
			name: "three wrong passwords lock the invitation", password: true,
			macs:      [][]byte{badMAC},
			wantProve: []proveCall{{1, 0}, {2, 2}, {3, 1}}, wantWrong: []int{2, 1, 0},
			wantOutcome: OutcomeLocked, wantNoviceErr: ErrAttemptsExhausted,
			helperSaw: []framing.MsgType{challenge, result, result, result}, noviceSaw: []framing.MsgType{hello, proof, proof, proof},
		},
		{
			name: "one allowed attempt locks at the first wrong password", password: true, attempts: 1,
			macs:      [][]byte{badMAC},
			wantProve: []proveCall{{1, 0}}, wantWrong: []int{0},
			wantOutcome: OutcomeLocked, wantNoviceErr: ErrAttemptsExhausted,
			helperSaw: []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "the novice declines", password: true,
			macs: [][]byte{goodMAC}, decide: false,
			wantProve: []proveCall{{1, 0}}, wantAsking: true, wantDecide: true,
			wantOutcome: OutcomeDeclined,
			helperSaw:   []framing.MsgType{challenge, result, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "a revoked invitation is refused before any challenge", refuse: OutcomeRevoked,
			macs:        [][]byte{goodMAC},
			wantOutcome: OutcomeRevoked,
			helperSaw:   []framing.MsgType{result}, noviceSaw: []framing.MsgType{hello},
		},
		{
			name: "a busy novice refuses before any challenge", refuse: OutcomeBusy,
			macs:        [][]byte{goodMAC},
			wantOutcome: OutcomeBusy,
			helperSaw:   []framing.MsgType{result}, noviceSaw: []framing.MsgType{hello},
		},
		{
			name:        "a wrong invitation proof without password is rejected",
			macs:        [][]byte{badMAC},
			wantProve:   []proveCall{{1, 0}},
			wantOutcome: OutcomeRejected, wantNoviceErr: ErrProofRejected,
			helperSaw: []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "a stranger's proof is rejected and never counts as a wrong password", password: true,
			macs: [][]byte{badMAC}, stranger: true,
			admit:       func() (int, Outcome) { return 3, "" },
			wantProve:   []proveCall{{1, 0}},
			wantOutcome: OutcomeRejected, wantNoviceErr: ErrProofRejected,
			helperSaw: []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "a stranger with the right password MAC is still a stranger", password: true,
			macs: [][]byte{goodMAC}, stranger: true,
			wantProve:   []proveCall{{1, 0}},
			wantOutcome: OutcomeRejected, wantNoviceErr: ErrProofRejected,
			helperSaw: []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "a busy novice refuses once the secret is proven", password: true,
			macs: [][]byte{goodMAC}, admit: func() (int, Outcome) { return 3, OutcomeBusy },
			wantProve:   []proveCall{{1, 0}},
			wantOutcome: OutcomeBusy,
			helperSaw:   []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "admitted with one attempt left, a wrong password locks", password: true,
			macs: [][]byte{badMAC}, admit: func() (int, Outcome) { return 1, "" },
			wantProve: []proveCall{{1, 0}}, wantWrong: []int{0},
			wantOutcome: OutcomeLocked, wantNoviceErr: ErrAttemptsExhausted,
			helperSaw: []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
		{
			name: "admitted with no attempt left is refused as locked", password: true,
			macs: [][]byte{goodMAC}, admit: func() (int, Outcome) { return 0, "" },
			wantProve:   []proveCall{{1, 0}},
			wantOutcome: OutcomeLocked,
			helperSaw:   []framing.MsgType{challenge, result}, noviceSaw: []framing.MsgType{hello, proof},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hc, nc := net.Pipe()
				defer hc.Close()
				defer nc.Close()
				hrw, helperSaw := tap(hc)
				nrw, noviceSaw := tap(nc)

				var (
					gotWrong   []int
					gotAdmit   bool
					gotDecide  bool
					gotHello   Hello
					noviceSess *Session
					noviceErr  error
					done       = make(chan struct{})
				)
				admit := tt.admit
				if admit != nil {
					admit = func() (int, Outcome) { gotAdmit = true; return tt.admit() }
				}
				go func() {
					defer close(done)
					gotHello, noviceSess, noviceErr = NoviceHandshake(nrw, NoviceConfig{
						Challenge:    Challenge{Name: "Bob\n", Nonce: nonce, PasswordRequired: tt.password, Caps: []string{"chat"}},
						Refuse:       tt.refuse,
						VerifySecret: holdsSecret,
						Verify:       func(mac []byte) bool { return bytes.Equal(mac, goodMAC) },
						Admit:        admit,
						Attempts:     tt.attempts,
						WrongPassword: func(left int) {
							gotWrong = append(gotWrong, left)
						},
						Decide: func(h Hello) bool {
							gotDecide = true
							if h.Name != "Ann" {
								t.Errorf("Decide saw name %q, want the cleaned %q", h.Name, "Ann")
							}
							return tt.decide
						},
					})
				}()

				var (
					gotProve  []proveCall
					gotAsking bool
				)
				ch, helperSess, helperErr := HelperHandshake(hrw, HelperConfig{
					Hello: Hello{Name: " Ann\u202e\x07 ", App: "ra-p2p/test", Caps: []string{"chat"}},
					Prove: func(ch Challenge, attempt, left int) (Proof, error) {
						if !bytes.Equal(ch.Nonce, nonce) || ch.PasswordRequired != tt.password {
							t.Errorf("Prove got challenge %+v", ch)
						}
						gotProve = append(gotProve, proveCall{attempt, left})
						p := Proof{MAC: tt.macs[min(attempt, len(tt.macs))-1], SecretMAC: goodSecret}
						if tt.stranger {
							p.SecretMAC = badMAC
						}
						return p, nil
					},
					Asking: func() { gotAsking = true },
				})
				<-done

				if tt.wantOutcome == "" {
					if helperErr != nil || noviceErr != nil {
						t.Fatalf("helper err %v, novice err %v; want a session", helperErr, noviceErr)
					}
					if helperSess == nil || noviceSess == nil {
						t.Fatalf("sessions: helper %v, novice %v", helperSess, noviceSess)
					}
				} else {
					var he *HelperError
					if !errors.As(helperErr, &he) || he.Result.Outcome != tt.wantOutcome {
						t.Errorf("helper err = %v, want *HelperError %q", helperErr, tt.wantOutcome)
					}
					if !errors.Is(noviceErr, tt.wantNoviceErr) || (tt.wantNoviceErr == nil && noviceErr != nil) {
						t.Errorf("novice err = %v, want %v", noviceErr, tt.wantNoviceErr)
					}
					if helperSess != nil || noviceSess != nil {
						t.Errorf("refused, yet sessions: helper %v, novice %v", helperSess, noviceSess)
					}
				}
				if gotHello.Name != "Ann" {
					t.Errorf("novice got hello name %q, want %q", gotHello.Name, "Ann")
				}
				if tt.refuse == "" && ch.Name != "Bob" {
					t.Errorf("helper got challenge name %q, want %q", ch.Name, "Bob")
				}
				if !reflect.DeepEqual(gotProve, tt.wantProve) {
					t.Errorf("Prove calls %v, want %v", gotProve, tt.wantProve)
				}
				if !reflect.DeepEqual(gotWrong, tt.wantWrong) {
					t.Errorf("WrongPassword calls %v, want %v", gotWrong, tt.wantWrong)
				}
				if tt.stranger && gotAdmit {
					t.Error("Admit called for a peer without the secret")
				}
				if gotAsking != tt.wantAsking || gotDecide != tt.wantDecide {
					t.Errorf("Asking called %v, Decide called %v; want %v, %v", gotAsking, gotDecide, tt.wantAsking, tt.wantDecide)
				}
				if got := frameTypes(t, helperSaw.Bytes()); !reflect.DeepEqual(got, tt.helperSaw) {
					t.Errorf("helper read frames %v, want %v", got, tt.helperSaw)
				}
				if got := frameTypes(t, noviceSaw.Bytes()); !reflect.DeepEqual(got, tt.noviceSaw) {
					t.Errorf("novice read frames %v, want %v", got, tt.noviceSaw)
				}
			})
		})
	}
}

// handshake runs an accepting handshake over a fresh pipe. The novice side
// runs onAccept in its goroutine right after NoviceHandshake returns; novice
// joins that goroutine and returns the novice's session.
func handshake(t *testing.T, onAccept func(*Session)) (helper *Session, hc net.Conn, novice func() *Session) {
	t.Helper()
	hc, nc := net.Pipe()
	t.Cleanup(func() { hc.Close(); nc.Close() })
	var (
		ns   *Session
		nerr error
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, ns, nerr = NoviceHandshake(nc, NoviceConfig{
			Challenge:    Challenge{Name: "Bob", Nonce: nonce},
			VerifySecret: holdsSecret,
			Verify:       func(mac []byte) bool { return bytes.Equal(mac, goodMAC) },
			Decide:       func(Hello) bool { return true },
		})
		if nerr == nil {
			onAccept(ns)
		}
	}()
	novice = func() *Session {
		<-done
		if nerr != nil {
			t.Fatalf("novice handshake: %v", nerr)
		}
		return ns
	}
	_, helper, err := HelperHandshake(hc, HelperConfig{
		Hello: Hello{Name: "Ann"},
		Prove: func(Challenge, int, int) (Proof, error) { return goodProof, nil },
	})
	if err != nil {
		hc.Close() // unblock the novice
		<-done
		t.Fatalf("helper handshake: %v", err)
	}
	return helper, hc, novice
}

func TestSessionStatusBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The novice sends a status the moment it has accepted: the helper
		// must read it through the handshake's reader without losing bytes.
		sent := make(chan error, 1)
		helper, hc, joinNovice := handshake(t, func(s *Session) {
			sent <- s.SendStatus(Status{Event: "connected", Text: "Bob accepted."})
		})
		st, err := helper.ReceiveStatus()
		if err != nil || st != (Status{Event: "connected", Text: "Bob accepted."}) {
			t.Fatalf("helper received %+v, %v", st, err)
		}
		novice := joinNovice()
		if err := <-sent; err != nil {
			t.Fatalf("novice SendStatus: %v", err)
		}

		// Helper → novice, with text the receiver must clean.
		go func() { sent <- helper.SendStatus(Status{Event: "note", Text: "mouse\x1b[2J on\u202e"}) }()
		st, err = novice.ReceiveStatus()
		if err != nil || st != (Status{Event: "note", Text: "mouse[2J on"}) {
			t.Fatalf("novice received %+v, %v", st, err)
		}
		if err := <-sent; err != nil {
			t.Fatalf("helper SendStatus: %v", err)
		}

		// Both ways at once: each side sends from one goroutine and receives
		// on another.
		const n = 20
		exchange := func(from, to *Session, who string) chan error {
			errc := make(chan error, 1)
			go func() {
				for i := range n {
					if err := from.SendStatus(Status{Event: "tick", Text: fmt.Sprint(who, i)}); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			return errc
		}
		receive := func(s *Session, who string) chan error {
			errc := make(chan error, 1)
			go func() {
				for i := range n {
					st, err := s.ReceiveStatus()
					if err != nil {
						errc <- err
						return
					}
					if want := fmt.Sprint(who, i); st.Text != want {
						errc <- fmt.Errorf("got %q, want %q", st.Text, want)
						return
					}
				}
				errc <- nil
			}()
			return errc
		}
		waits := []chan error{
			exchange(helper, novice, "helper"), exchange(novice, helper, "novice"),
			receive(novice, "helper"), receive(helper, "novice"),
		}
		for _, c := range waits {
			if err := <-c; err != nil {
				t.Error(err)
			}
		}

		// Bye, then the helper hangs up: the novice sees a clean io.EOF.
		go func() {
			err := helper.SendStatus(Status{Event: StatusBye})
			hc.Close()
			sent <- err
		}()
		if st, err := novice.ReceiveStatus(); err != nil || st.Event != StatusBye {
			t.Fatalf("novice received %+v, %v; want bye", st, err)
		}
		if _, err := novice.ReceiveStatus(); err != io.EOF {
			t.Fatalf("after hang-up: %v, want io.EOF", err)
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
	})
}

// TestSessionKeepsBufferedBytes has the novice's accepted result and a status
// arrive in one write, so the status is already in the handshake's buffer.
func TestSessionKeepsBufferedBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hc, nc := net.Pipe()
		defer hc.Close()
		defer nc.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			fr := framing.NewFrameReader(nc, MaxSessionMessage)
			if err := fr.ReadJSON(MsgHello, &Hello{}); err != nil {
				t.Errorf("peer reading hello: %v", err)
				return
			}
			var b bytes.Buffer
			framing.WriteJSON(&b, MaxSessionMessage, MsgChallenge, Challenge{Name: "Bob", Nonce: nonce})
			if _, err := nc.Write(b.Bytes()); err != nil {
				t.Errorf("peer: %v", err)
				return
			}
			if err := fr.ReadJSON(MsgProof, &Proof{}); err != nil {
				t.Errorf("peer reading proof: %v", err)
				return
			}
			b.Reset()
			framing.WriteJSON(&b, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAsking})
			framing.WriteJSON(&b, MaxSessionMessage, MsgResult, Result{Outcome: OutcomeAccepted})
			framing.WriteJSON(&b, MaxSessionMessage, MsgStatus, Status{Event: "connected"})
			if _, err := nc.Write(b.Bytes()); err != nil {
				t.Errorf("peer: %v", err)
			}
		}()
		_, s, err := HelperHandshake(hc, HelperConfig{
			Hello: Hello{Name: "Ann"},
			Prove: func(Challenge, int, int) (Proof, error) { return goodProof, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := s.ReceiveStatus(); err != nil || st.Event != "connected" {
			t.Fatalf("ReceiveStatus = %+v, %v", st, err)
		}
		<-done
	})
}

// readHex reads a testdata file: hex with # comments, or raw bytes for any
// other extension.
func readHex(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(path) != ".hex" {
		return b
	}
	var digits strings.Builder
	for line := range strings.Lines(string(b)) {
		line, _, _ = strings.Cut(line, "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	out, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// TestNoviceTranscripts feeds the helper's side of a session, from
// testdata/novice, to NoviceHandshake.
func TestNoviceTranscripts(t *testing.T) {
	accepted := func(t *testing.T, s *Session, err error) {
		if err != nil || s == nil {
			t.Fatalf("want a session, got %v, %v", s, err)
		}
	}
	failed := func(target error) func(*testing.T, *Session, error) {
		return func(t *testing.T, s *Session, err error) {
			if s != nil || err == nil || (target != nil && !errors.Is(err, target)) {
				t.Fatalf("got session %v, err %v; want error %v", s, err, target)
			}
		}
	}
	cases := map[string]struct {
		check func(*testing.T, *Session, error)
		after func(*testing.T, *Session) // reads the session after acceptance
		wrote []framing.MsgType          // frames the novice wrote
	}{
		"accepts.hex": {check: accepted, wrote: []framing.MsgType{MsgChallenge, MsgResult, MsgResult},
			after: func(t *testing.T, s *Session) {
				if _, err := s.ReceiveStatus(); err != io.EOF {
					t.Errorf("after the transcript: %v, want io.EOF", err)
				}
			}},
		"accepts-then-bye.hex": {check: accepted, wrote: []framing.MsgType{MsgChallenge, MsgResult, MsgResult},
			after: func(t *testing.T, s *Session) {
				if st, err := s.ReceiveStatus(); err != nil || st.Event != StatusBye {
					t.Errorf("ReceiveStatus = %+v, %v; want bye", st, err)
				}
			}},
		"trailing-junk.hex": {check: accepted, wrote: []framing.MsgType{MsgChallenge, MsgResult, MsgResult},
			after: func(t *testing.T, s *Session) {
				if _, err := s.ReceiveStatus(); err == nil || err == io.EOF {
					t.Errorf("reading junk: %v, want an error", err)
				}
			}},
		"wrong-proof.hex":        {check: failed(ErrProofRejected), wrote: []framing.MsgType{MsgChallenge, MsgResult}},
		"old-helper-proof.hex":   {check: failed(ErrProofRejected), wrote: []framing.MsgType{MsgChallenge, MsgResult}},
		"oversize-hello.hex":     {check: failed(framing.ErrFrameTooLarge)},
		"truncated-hello.hex":    {check: failed(io.ErrUnexpectedEOF)},
		"proof-before-hello.hex": {check: failed(nil)},
		"readme.notframes":       {check: failed(io.ErrUnexpectedEOF)},
	}
	files, err := filepath.Glob("testdata/novice/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("%d files in testdata/novice, %d cases", len(files), len(cases))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			tt, ok := cases[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			var out bytes.Buffer
			_, s, err := NoviceHandshake(rw{bytes.NewReader(readHex(t, path)), &out}, NoviceConfig{
				Challenge:    Challenge{Name: "Bob", Nonce: nonce},
				VerifySecret: holdsSecret,
				Verify:       func(mac []byte) bool { return bytes.Equal(mac, goodMAC) },
				Decide:       func(Hello) bool { return true },
			})
			tt.check(t, s, err)
			if got := frameTypes(t, out.Bytes()); !reflect.DeepEqual(got, tt.wrote) {
				t.Errorf("novice wrote %v, want %v", got, tt.wrote)
			}
			if tt.after != nil {
				tt.after(t, s)
			}
		})
	}
}

// peer is a hand-written side that breaks the protocol on purpose.
type peer struct {
	t  *testing.T
	c  net.Conn
	fr *framing.FrameReader
}

func (p *peer) read(want framing.MsgType, v any) bool {
	if err := p.fr.ReadJSON(want, v); err != nil {
		p.t.Errorf("peer reading type %d: %v", want, err)
		return false
	}
	return true
}

func (p *peer) write(b []byte) {
	// The side under test may stop reading: then the write ends when the
	// test closes the pipe.
	_, _ = p.c.Write(b)
}

func (p *peer) writeJSON(typ framing.MsgType, v any) {
	_ = framing.WriteJSON(p.c, 1<<30, typ, v)
}

// expectEOF checks the side under test sends nothing more before the test
// closes its end.
func (p *peer) expectEOF() {
	if typ, _, err := p.fr.ReadFrame(); err == nil {
		p.t.Errorf("peer got an unexpected frame of type %d", typ)
	}
}

// runPeer runs play as the other side of c's pipe, then run on c; it closes
// c and joins the peer before returning.
func runPeer(t *testing.T, play func(*peer), run func(c net.Conn)) {
	c, pc := net.Pipe()
	defer pc.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		play(&peer{t: t, c: pc, fr: framing.NewFrameReader(pc, 1<<30)})
	}()
	run(c)
	c.Close()
	<-done
}

var oneMB = framing.AppendFrame(nil, MsgHello, make([]byte, 1<<20))

func TestFailuresOnNovice(t *testing.T) {
	for name, tt := range map[string]struct {
		play  func(*peer)
		check func(error) bool
	}{
		"the helper sends a 1 MB frame instead of a hello": {
			play:  func(p *peer) { p.write(oneMB) },
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"the helper announces 1 MB and sends nothing more": {
			play:  func(p *peer) { p.write(binary.AppendUvarint(nil, 1<<20)); p.expectEOF() },
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"the helper hangs up before its hello": {
			play:  func(p *peer) { p.c.Close() },
			check: func(err error) bool { return errors.Is(err, io.EOF) },
		},
		"the helper hangs up in the middle of its hello": {
			play:  func(p *peer) { p.write(framing.AppendFrame(nil, MsgHello, []byte(`{"name":"Ann"}`))[:6]); p.c.Close() },
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"the helper sends a proof before its hello": {
			play:  func(p *peer) { p.writeJSON(MsgProof, Proof{MAC: goodMAC}); p.expectEOF() },
			check: func(err error) bool { return err != nil },
		},
		"the helper sends a hello that is not JSON": {
			play:  func(p *peer) { p.write(framing.AppendFrame(nil, MsgHello, []byte("Ann"))); p.expectEOF() },
			check: func(err error) bool { return err != nil },
		},
		"the helper sends its hello again instead of a proof": {
			play: func(p *peer) {
				p.writeJSON(MsgHello, Hello{Name: "Ann"})
				if p.read(MsgChallenge, &Challenge{}) {
					p.writeJSON(MsgHello, Hello{Name: "Ann"})
					p.expectEOF()
				}
			},
			check: func(err error) bool { return err != nil },
		},
		"the helper sends an oversize proof": {
			play: func(p *peer) {
				p.writeJSON(MsgHello, Hello{Name: "Ann"})
				if p.read(MsgChallenge, &Challenge{}) {
					p.writeJSON(MsgProof, Proof{MAC: make([]byte, MaxSessionMessage)})
				}
			},
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"the helper hangs up instead of proving": {
			play: func(p *peer) {
				p.writeJSON(MsgHello, Hello{Name: "Ann"})
				if p.read(MsgChallenge, &Challenge{}) {
					p.c.Close()
				}
			},
			check: func(err error) bool { return errors.Is(err, io.EOF) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				runPeer(t, tt.play, func(c net.Conn) {
					_, s, err := NoviceHandshake(c, NoviceConfig{
						Challenge:    Challenge{Name: "Bob", Nonce: nonce},
						VerifySecret: holdsSecret,
						Verify:       func(mac []byte) bool { return bytes.Equal(mac, goodMAC) },
						Decide: func(Hello) bool {
							t.Error("Decide called")
							return true
						},
					})
					if s != nil || !tt.check(err) {
						t.Errorf("got session %v, err %v", s, err)
					}
					t.Logf("error: %v", err)
				})
			})
		})
	}
}

func TestFailuresOnHelper(t *testing.T) {
	challengeWith := func(ch Challenge) func(*peer) {
		return func(p *peer) {
			if p.read(MsgHello, &Hello{}) {
				p.writeJSON(MsgChallenge, ch)
				p.expectEOF()
			}
		}
	}
	// afterProof plays a good challenge and runs then after the first proof.
	afterProof := func(then func(*peer)) func(*peer) {
		return func(p *peer) {
			if !p.read(MsgHello, &Hello{}) {
				return
			}
			p.writeJSON(MsgChallenge, Challenge{Name: "Bob", Nonce: nonce})
			if !p.read(MsgProof, &Proof{}) {
				return
			}
			then(p)
		}
	}
	answer := func(r Result) func(*peer) {
		return func(p *peer) { p.writeJSON(MsgResult, r); p.expectEOF() }
	}
	isOutcome := func(o Outcome) func(error) bool {
		return func(err error) bool { var he *HelperError; return errors.As(err, &he) && he.Result.Outcome == o }
	}
	notRefusal := func(err error) bool { var he *HelperError; return err != nil && !errors.As(err, &he) }

	for name, tt := range map[string]struct {
		play   func(*peer)
		check  func(error) bool
		proves int
	}{
		"the novice sends a challenge with a 5-byte nonce": {
			play:  challengeWith(Challenge{Name: "Bob", Nonce: nonce[:5]}),
			check: notRefusal,
		},
		"the novice sends a challenge with a 33-byte nonce": {
			play:  challengeWith(Challenge{Name: "Bob", Nonce: append(seq(0), 0)}),
			check: notRefusal,
		},
		"the novice sends a challenge without a nonce": {
			play:  challengeWith(Challenge{Name: "Bob"}),
			check: notRefusal,
		},
		"the novice sends a 1 MB frame instead of a challenge": {
			play:  func(p *peer) { p.read(MsgHello, &Hello{}); p.write(oneMB) },
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"the novice sends a proof instead of a challenge": {
			play:  func(p *peer) { p.read(MsgHello, &Hello{}); p.writeJSON(MsgProof, Proof{}); p.expectEOF() },
			check: notRefusal,
		},
		"the novice accepts before any challenge": {
			play: func(p *peer) {
				p.read(MsgHello, &Hello{})
				p.writeJSON(MsgResult, Result{Outcome: OutcomeAccepted})
				p.expectEOF()
			},
			check: notRefusal,
		},
		"the novice sends a refusal that is not JSON": {
			play: func(p *peer) {
				p.read(MsgHello, &Hello{})
				p.write(framing.AppendFrame(nil, MsgResult, []byte("no")))
				p.expectEOF()
			},
			check: notRefusal,
		},
		"the novice hangs up after the proof": {
			play:   afterProof(func(p *peer) { p.c.Close() }),
			check:  func(err error) bool { return errors.Is(err, io.EOF) },
			proves: 1,
		},
		"a wrong password with no attempts left is a lock": {
			play:   afterProof(answer(Result{Outcome: OutcomeWrongPassword})),
			check:  isOutcome(OutcomeLocked),
			proves: 1,
		},
		"an unknown outcome is a refusal": {
			play:   afterProof(answer(Result{Outcome: "maybe-later"})),
			check:  isOutcome("maybe-later"),
			proves: 1,
		},
		"the novice sends a status instead of a result": {
			play: afterProof(func(p *peer) {
				p.writeJSON(MsgStatus, Status{Event: "connected"})
				p.expectEOF()
			}),
			check:  notRefusal,
			proves: 1,
		},
		"the novice keeps asking until it hangs up": {
			play: afterProof(func(p *peer) {
				for range 100 {
					p.writeJSON(MsgResult, Result{Outcome: OutcomeAsking})
				}
				p.c.Close()
			}),
			check:  func(err error) bool { return errors.Is(err, io.EOF) },
			proves: 1,
		},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				runPeer(t, tt.play, func(c net.Conn) {
					proves := 0
					_, s, err := HelperHandshake(c, HelperConfig{
						Hello: Hello{Name: "Ann"},
						Prove: func(Challenge, int, int) (Proof, error) { proves++; return goodProof, nil },
					})
					if s != nil || !tt.check(err) {
						t.Errorf("got session %v, err %v", s, err)
					}
					if proves != tt.proves {
						t.Errorf("Prove called %d times, want %d", proves, tt.proves)
					}
					t.Logf("error: %v", err)
				})
			})
		})
	}
}

// TestOversizeFrameNotAllocated checks the limit is enforced before the body
// is allocated: a 1 MB hello costs the novice far less than 1 MB.
func TestOversizeFrameNotAllocated(t *testing.T) {
	in := bytes.NewReader(oneMB)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := NoviceHandshake(rw{in, io.Discard}, NoviceConfig{Verify: func([]byte) bool { return false }})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, framing.ErrFrameTooLarge) {
		t.Fatalf("err = %v, want ErrFrameTooLarge", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("allocated %d bytes reading an oversize frame", n)
	}
	if read := int(in.Size()) - in.Len(); read > 4<<10 {
		t.Errorf("read %d bytes of an oversize frame", read)
	}
}

// fuzzSeeds are the novice transcripts and every golden frame.
func fuzzSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("testdata/novice/*")
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, path := range files {
		seeds = append(seeds, readHex(f, path))
	}
	for _, g := range goldenFrames {
		seeds = append(seeds, unhex(f, g.hex))
	}
	return seeds
}

// FuzzNoviceHandshake feeds arbitrary bytes as the helper's side. No proof is
// ever right, so it must end with an error and no session, without panicking
// or waiting for more input.
func FuzzNoviceHandshake(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	hello := unhex(f, goldenFrames[0].hex)
	proof := unhex(f, goldenFrames[4].hex) // both MACs
	f.Add(append(append(append(append([]byte{}, hello...), proof...), proof...), proof...), true, true)
	f.Add(append(append(append(append([]byte{}, hello...), proof...), proof...), proof...), true, false)

	// secret: whether any SecretMAC shows the secret (a helper who only
	// mistypes its password), or none does (a stranger).
	f.Fuzz(func(t *testing.T, in []byte, password, secret bool) {
		_, s, err := NoviceHandshake(rw{bytes.NewReader(in), io.Discard}, NoviceConfig{
			Challenge:    Challenge{Name: "Bob", Nonce: nonce, PasswordRequired: password},
			VerifySecret: func([]byte) bool { return secret },
			Verify:       func([]byte) bool { return false },
			Decide:       func(Hello) bool { t.Fatal("Decide called"); return true },
			WrongPassword: func(int) {
				if !secret {
					t.Fatal("a stranger's proof counted as a wrong password")
				}
			},
		})
		if s != nil || err == nil {
			t.Fatalf("no proof is right, yet session %v, err %v", s, err)
		}
	})
}

// FuzzHelperHandshake feeds arbitrary bytes as the novice's side.
func FuzzHelperHandshake(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	var b bytes.Buffer
	framing.WriteJSON(&b, MaxSessionMessage, MsgChallenge, Challenge{Name: "Bob", Nonce: nonce, PasswordRequired: true})
	for _, r := range []Result{{Outcome: OutcomeWrongPassword, AttemptsLeft: 2}, {Outcome: OutcomeAsking}, {Outcome: OutcomeAccepted}} {
		framing.WriteJSON(&b, MaxSessionMessage, MsgResult, r)
	}
	f.Add(b.Bytes())

	f.Fuzz(func(t *testing.T, in []byte) {
		ch, s, err := HelperHandshake(rw{bytes.NewReader(in), io.Discard}, HelperConfig{
			Hello: Hello{Name: "Ann"},
			Prove: func(Challenge, int, int) (Proof, error) { return goodProof, nil },
		})
		if (s == nil) == (err == nil) {
			t.Fatalf("session %v with err %v", s, err)
		}
		var he *HelperError
		if errors.As(err, &he) {
			switch he.Result.Outcome {
			case OutcomeAsking, OutcomeAccepted, OutcomeWrongPassword:
				t.Fatalf("refused with outcome %q", he.Result.Outcome)
			}
		}
		if s != nil && len(ch.Nonce) != NonceSize {
			t.Fatalf("session with a nonce of %d bytes", len(ch.Nonce))
		}
		if len([]rune(ch.Name)) > MaxNameRunes {
			t.Fatalf("name of %d runes", len([]rune(ch.Name)))
		}
	})
}

// TestStatusSkipsUnknownTypes: a message type this version does not know
// (a newer peer's) is skipped on the session stream, not a reason to end
// the session.
func TestStatusSkipsUnknownTypes(t *testing.T) {
	var buf bytes.Buffer
	buf.Write(framing.AppendFrame(nil, 0x7e, []byte(`{"something":"new"}`)))
	if err := framing.WriteJSON(&buf, MaxSessionMessage, MsgStatus, Status{Event: "tick", Text: "after"}); err != nil {
		t.Fatal(err)
	}
	s := &Session{fr: framing.NewFrameReader(&buf, MaxSessionMessage), w: io.Discard}
	st, err := s.ReceiveStatus()
	if err != nil || st.Text != "after" {
		t.Fatalf("ReceiveStatus = %+v, %v; want the status after the unknown message", st, err)
	}
}
