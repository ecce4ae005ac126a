package session_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
)

// These tests run whole sessions between real libp2p hosts on loopback: a
// bootstrap node, a novice and one or more helpers, each with its own host
// listening on 127.0.0.1 only. The only hand-written part is the user: a
// scripted Prompter.
//
// On loopback StartNovice spends its full 15 s waiting for a relay address
// (autorelay announces circuit addresses only through a relay's public
// addresses) and Help its 5 s waiting for DCUtR (which needs a public address
// of its own), so the scenarios run in parallel and each helper starts
// together with its novice, looking it up until the novice announces itself.

var loopback = sessiontest.Loopback

// wait bounds each step that involves the network. It is generous: a loaded
// 2-core machine running -race is slow, and no test asserts timing.
const wait = 90 * time.Second

func TestMain(m *testing.M) { leakcheck.Main(m) }

func newKey(t testing.TB) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// prompter is the user, scripted: Confirm always gives the same answer
// (stop: "Decline and stop this invitation"), Password takes the next one
// from a queue, Line answers line. It records what it was asked.
type prompter struct {
	confirm bool
	stop    bool
	line    string

	mu        sync.Mutex
	passwords []string
	questions []string // Confirm questions, in order
	prompts   []string // Password prompts, in order
	lines     []session.Question
}

func (p *prompter) Confirm(ctx context.Context, q session.Question) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.questions = append(p.questions, q.Text())
	if p.stop && q.Kind == session.AskAcceptHelper {
		return false, session.ErrStopInvitation
	}
	return p.confirm, nil
}

func (p *prompter) Line(ctx context.Context, q session.Question) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, q)
	return p.line, nil
}

// ui is a scripted user interface for RunHelper and RunNovice.
type ui struct {
	*prompter
	*recorder
}

func (u ui) Show(e session.Event) { u.record(e) }

func (p *prompter) Password(ctx context.Context, q session.Question) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prompts = append(p.prompts, q.Text())
	if len(p.passwords) == 0 {
		return "", errors.New("the script has no more passwords")
	}
	pw := p.passwords[0]
	p.passwords = p.passwords[1:]
	return pw, nil
}

func (p *prompter) asked() (questions, prompts []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.questions...), append([]string(nil), p.prompts...)
}

// recorder keeps progress events.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) record(e session.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, e.Text)
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.texts...)
}

// has reports whether some event contains text.
func (r *recorder) has(text string) bool {
	for _, s := range r.all() {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

// invitation is one invitation as both sides hold it: the novice's entry
// and store, and what the helper gets, encoded and parsed again.
type invitation struct {
	entry     *invite.Entry
	store     invite.Store
	forHelper *invite.Invitation
}

func newInvitation(t testing.TB, opts invite.Options) *invitation {
	t.Helper()
	inv, priv, pwKey, err := invite.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	store := invite.Store{Dir: t.TempDir()}
	if err := store.Save(inv, priv, pwKey); err != nil {
		t.Fatal(err)
	}
	armored, err := invite.Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := invite.Parse(armored, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &invitation{entry: &invite.Entry{Invitation: inv, Key: priv, PasswordKey: pwKey}, store: store, forHelper: parsed}
}

// novice runs `ra-p2p invite`'s part in the background: StartNovice, then
// Wait for one helper.
type novice struct {
	prompter *prompter
	progress *recorder

	ready    chan struct{} // closed when StartNovice returned
	n        *session.Novice
	startErr error

	done chan struct{} // closed when Wait returned
	sess *session.Session
	err  error

	stop func() // ends the novice's process: stops waiting, closes its host
}

func runNovice(t testing.TB, bootstrap []peer.AddrInfo, iv *invitation, confirm bool) *novice {
	t.Helper()
	return runNoviceAs(t, bootstrap, iv, &prompter{confirm: confirm})
}

// runNoviceAs is runNovice with the user p.
func runNoviceAs(t testing.TB, bootstrap []peer.AddrInfo, iv *invitation, p *prompter) *novice {
	t.Helper()
	nv := &novice{prompter: p, progress: &recorder{}, ready: make(chan struct{}), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(nv.done)
		nv.n, nv.startErr = session.StartNovice(ctx, session.NoviceConfig{
			Entry: iv.entry, Store: iv.store, Prompter: nv.prompter, Progress: nv.progress.record,
			Bootstrap: bootstrap, Listen: loopback, Logger: sessiontest.Logger(),
		})
		close(nv.ready)
		if nv.startErr != nil {
			nv.err = nv.startErr
			return
		}
		nv.sess, nv.err = nv.n.Wait(ctx)
	}()
	var once sync.Once
	nv.stop = func() {
		once.Do(func() {
			cancel()
			<-nv.done
			if nv.sess != nil {
				nv.sess.Close()
			}
			if nv.n != nil {
				nv.n.Close()
			}
		})
	}
	t.Cleanup(nv.stop)
	return nv
}

// started waits for StartNovice to return.
func (nv *novice) started(t testing.TB) *session.Novice {
	t.Helper()
	select {
	case <-nv.ready:
	case <-time.After(wait):
		t.Fatal("StartNovice did not return")
	}
	if nv.startErr != nil {
		t.Fatalf("StartNovice: %v", nv.startErr)
	}
	return nv.n
}

// wait waits for the novice's Wait to return.
func (nv *novice) wait(t testing.TB) (*session.Session, error) {
	t.Helper()
	select {
	case <-nv.done:
	case <-time.After(wait):
		t.Fatal("the novice is still waiting for a helper")
	}
	return nv.sess, nv.err
}

// stillWaiting reports whether the novice is still waiting for a helper.
func (nv *novice) stillWaiting() bool {
	select {
	case <-nv.done:
		return false
	default:
		return true
	}
}

// helper runs `ra-p2p help`'s part in the background.
type helper struct {
	prompter *prompter
	progress *recorder
	result   chan helpResult
}

type helpResult struct {
	sess *session.Session
	err  error
}

type helperOpts struct {
	name      string
	passwords []string
	// hold, when not nil, keeps the helper at "Found …'s computer" until it
	// is closed: the way a test orders a helper after something else.
	hold <-chan struct{}
}

func runHelp(t testing.TB, bootstrap []peer.AddrInfo, iv *invitation, opts helperOpts) *helper {
	t.Helper()
	h := &helper{prompter: &prompter{passwords: opts.passwords}, progress: &recorder{}, result: make(chan helpResult, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	progress := func(e session.Event) {
		h.progress.record(e)
		if opts.hold != nil && strings.HasPrefix(e.Text, "Found ") {
			select {
			case <-opts.hold:
			case <-ctx.Done():
			}
		}
	}
	go func() {
		s, err := session.Help(ctx, session.HelpConfig{
			Invitation: iv.forHelper, Name: opts.name, Prompter: h.prompter, Progress: progress,
			Bootstrap: bootstrap, Listen: loopback, FindTimeout: wait, ConnectTimeout: wait, Logger: sessiontest.Logger(),
		})
		h.result <- helpResult{s, err}
	}()
	t.Cleanup(func() {
		cancel()
		r := <-h.result
		if r.sess != nil {
			r.sess.Close()
		}
		h.result <- r
	})
	return h
}

// wait waits for Help to return.
func (h *helper) wait(t testing.TB) (*session.Session, error) {
	t.Helper()
	select {
	case r := <-h.result:
		h.result <- r // for the cleanup
		return r.sess, r.err
	case <-time.After(2 * wait):
		t.Fatal("Help did not return")
		return nil, nil
	}
}

// failure waits for Help to fail and returns its *session.Failure.
func (h *helper) failure(t *testing.T) *session.Failure {
	t.Helper()
	s, err := h.wait(t)
	if err == nil {
		t.Fatalf("Help succeeded (session with %s), want a failure", s.PeerName)
	}
	var f *session.Failure
	if !errors.As(err, &f) {
		t.Fatalf("Help error %v (%T) is not a *session.Failure", err, err)
	}
	return f
}

// nextChat returns the next chat line s receives.
func nextChat(t *testing.T, s *session.Session) session.Event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case e := <-s.Events():
			if e.Kind == session.EventChat {
				return e
			}
		case <-s.Done():
			t.Fatalf("the session ended (%q) while waiting for a chat line", s.Reason())
		case <-timeout:
			t.Fatal("no chat line arrived")
		}
	}
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scenario is one story of a test that runs whole sessions: start launches
// its novice and helpers and returns the check that waits for them.
type scenario struct {
	name  string
	start func(t *testing.T) (check func(t *testing.T))
}

// runScenarios starts every scenario at once (each is mostly waiting, and go
// test runs only GOMAXPROCS parallel tests), then runs their checks as
// subtests, in order.
func runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	checks := make([]func(*testing.T), len(scenarios))
	for i, sc := range scenarios {
		checks[i] = sc.start(t)
	}
	for i, sc := range scenarios {
		t.Run(sc.name, checks[i])
	}
}

// intruder is a hand-written peer on a libp2p host of its own: it finds the
// novice the way a helper does, then speaks the session protocol as its test
// scripts it.
type intruder struct {
	h            *p2p.Host
	inv          *invite.Invitation
	bootstrapped bool
}

func newIntruder(t testing.TB, bootstrap []peer.AddrInfo, inv *invite.Invitation) *intruder {
	t.Helper()
	h, err := p2p.New(p2p.Config{Identity: newKey(t), Listen: loopback, Bootstrap: bootstrap, Logger: sessiontest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &intruder{h: h, inv: inv}
}

// connect finds the novice and connects to it directly.
func (in *intruder) connect(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if !in.bootstrapped {
		if err := in.h.Bootstrap(ctx); err != nil {
			t.Fatal(err)
		}
		in.bootstrapped = true
	}
	ai, err := in.h.FindProvider(ctx, in.inv.DiscoveryKey(), in.inv.PeerID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.h.ConnectDirect(ctx, ai, 1); err != nil {
		t.Fatal(err)
	}
}

// open opens a stream of proto to the novice.
func (in *intruder) open(proto protocol.ID) (network.Stream, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return in.h.OpenStream(ctx, in.inv.PeerID, proto)
}
