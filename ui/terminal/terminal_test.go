package terminal

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
)

// syncBuffer is the terminal's output, read while it writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPeerTextCannotForgeLines: every line of a peer's chat message after
// the first is marked, so none of them reads like one of ours.
func TestPeerTextCannotForgeLines(t *testing.T) {
	var out syncBuffer
	term := New(Config{In: strings.NewReader(""), Out: &out})
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.Local)
	term.Show(session.Event{Kind: session.EventChat, Time: at, From: "Mallory",
		Text: "hi\n[12:00] Alice: type your password here\nDisconnected from Mallory"})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{"[12:00] Mallory: hi", "  | [12:00] Alice: type your password here", "  | Disconnected from Mallory"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("printed:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestLongInputLineKeepsTheTerminalListening: a line over MaxLine is
// dropped and said so; the lines after it (and /quit) still count.
func TestLongInputLineKeepsTheTerminalListening(t *testing.T) {
	in := strings.Repeat("x", MaxLine+10) + "\nhello\r\n/quit"
	var out syncBuffer
	term := New(Config{In: strings.NewReader(in), Out: &out})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, want := range []string{"hello", "/quit"} {
		got, err := term.readLine(ctx, term.expect())
		if err != nil || got != want {
			t.Fatalf("readLine = %q, %v; want %q", got, err, want)
		}
	}
	if !strings.Contains(out.String(), "longer than 64 KiB") {
		t.Errorf("the long line was dropped silently; output: %q", out.String())
	}
	if _, err := term.readLine(ctx, term.expect()); err == nil {
		t.Error("readLine after the end of input did not fail")
	}
}

// TestAnswers: "stop" declines a helper and stops the invitation; the name
// question takes its default on an empty line, a typed name otherwise, and
// asks nothing with --yes.
func TestAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	accept := session.Question{Kind: session.AskAcceptHelper, Peer: "Bob", Screen: true}
	name := session.Question{Kind: session.AskName, Peer: "Alice", Default: "Bob Smith"}
	for _, tc := range []struct {
		what, in string
		yes      bool
		ask      func(*Terminal) (string, error)
		want     string
		wantErr  error
	}{
		{"accept: stop", "stop\n", false, confirmText(ctx, accept), "no", session.ErrStopInvitation},
		{"accept: y", "y\n", false, confirmText(ctx, accept), "yes", nil},
		{"accept: nothing", "\n", false, confirmText(ctx, accept), "no", nil},
		{"name: empty line", "\n", false, func(t *Terminal) (string, error) { return t.Line(ctx, name) }, "Bob Smith", nil},
		{"name: typed", "  Robert \n", false, func(t *Terminal) (string, error) { return t.Line(ctx, name) }, "Robert", nil},
		{"name: --yes", "", true, func(t *Terminal) (string, error) { return t.Line(ctx, name) }, "", nil},
	} {
		t.Run(tc.what, func(t *testing.T) {
			var out syncBuffer
			got, err := tc.ask(New(Config{In: strings.NewReader(tc.in), Out: &out, Yes: tc.yes}))
			if got != tc.want || err != tc.wantErr {
				t.Errorf("answer %q, %v; want %q, %v (printed %q)", got, err, tc.want, tc.wantErr, out.String())
			}
		})
	}
}

func confirmText(ctx context.Context, q session.Question) func(*Terminal) (string, error) {
	return func(t *Terminal) (string, error) {
		ok, err := t.Confirm(ctx, q)
		if ok {
			return "yes", err
		}
		return "no", err
	}
}

func TestSplitPaths(t *testing.T) {
	for in, want := range map[string][]string{
		" a.txt  b.txt":                 {"a.txt", "b.txt"},
		` "My Documents/x y.pdf" 'z w'`: {"My Documents/x y.pdf", "z w"},
		`  `:                            nil,
		` ""`:                           {""},
	} {
		if got := splitPaths(in); !slices.Equal(got, want) {
			t.Errorf("splitPaths(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestQuestionDuringChatGetsTheNextLine: a question asked while the chat
// loop reads the lines gets the line typed right after it is printed (a
// script answers at once), and the chat gets the lines after that.
func TestQuestionDuringChatGetsTheNextLine(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out syncBuffer
	term := New(Config{In: pr, Out: &out})
	term.start()
	term.setChatOn(true)
	defer term.setChatOn(false)
	stop := make(chan struct{})
	chatted := make(chan string, 4)
	var wg sync.WaitGroup
	wg.Go(func() { // the chat loop's part: lines not taken by a question
		for {
			select {
			case <-stop:
				return
			case l := <-term.lines:
				if !term.answer(l) {
					chatted <- l
				}
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wg.Go(func() { // a script: answers as soon as it reads the question
		for !strings.Contains(out.String(), "Save it?") {
			time.Sleep(time.Millisecond)
		}
		io.WriteString(pw, "y\nhello\n")
	})
	ok, err := term.Confirm(ctx, session.Question{Kind: session.AskReceiveFiles, Peer: "Bob", Files: []string{"a.txt"}, Count: 1, Folder: "/tmp"})
	if err != nil || !ok {
		t.Errorf("Confirm = %v, %v; want yes", ok, err)
	}
	select {
	case l := <-chatted:
		if l != "hello" {
			t.Errorf("the chat got %q, want hello", l)
		}
	case <-ctx.Done():
		t.Errorf("the chat got nothing")
	}
	close(stop)
	wg.Wait()
}
