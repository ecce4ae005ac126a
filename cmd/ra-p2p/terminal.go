package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
	"golang.org/x/term"
)

// terminal is the line-based user interface: prompts and chat on standard
// input/output. One goroutine reads standard input; prompts and the chat
// loop take lines from it in turn, so a script can answer every question.
type terminal struct {
	out   io.Writer
	in    io.Reader
	lines chan string // closed at EOF
	yes   bool        // --yes: answer every yes/no question with yes
	// envPasswordUsed makes RA_P2P_PASSWORD count for one attempt: after a
	// wrong one the user is asked, not the same wrong value sent again.
	envPasswordUsed bool
	outMu           sync.Mutex
	startMu         sync.Once
}

func newTerminal(in io.Reader, out io.Writer, yes bool) *terminal {
	return &terminal{in: in, out: out, yes: yes, lines: make(chan string)}
}

// start begins reading standard input; lazily, so a password typed at a
// real terminal is read with echo off before the line reader takes over.
func (t *terminal) start() {
	t.startMu.Do(func() {
		go func() {
			defer close(t.lines)
			sc := bufio.NewScanner(t.in)
			sc.Buffer(make([]byte, 64<<10), 64<<10)
			for sc.Scan() {
				t.lines <- sc.Text()
			}
		}()
	})
}

func (t *terminal) printf(format string, a ...any) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	fmt.Fprintf(t.out, format, a...)
}

func (t *terminal) println(s string) { t.printf("%s\n", s) }

func (t *terminal) readLine(ctx context.Context) (string, error) {
	t.start()
	select {
	case l, ok := <-t.lines:
		if !ok {
			return "", io.EOF
		}
		return strings.TrimSpace(l), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Confirm asks a yes/no question; anything but y/yes is no.
func (t *terminal) Confirm(ctx context.Context, question string) (bool, error) {
	if t.yes {
		t.printf("%s [y/N] y (--yes)\n", question)
		return true, nil
	}
	t.printf("%s [y/N] ", question)
	l, err := t.readLine(ctx)
	if err != nil {
		t.println("")
		return false, err
	}
	if !t.isTerminal() {
		t.println(l) // keep a script's answer visible in the transcript
	}
	l = strings.ToLower(l)
	return l == "y" || l == "yes", nil
}

// Password takes RA_P2P_PASSWORD once, then a hidden line at a terminal, or
// a line of standard input from a script.
func (t *terminal) Password(ctx context.Context, prompt string) (string, error) {
	if pw, ok := os.LookupEnv("RA_P2P_PASSWORD"); ok && !t.envPasswordUsed {
		t.envPasswordUsed = true
		return pw, nil
	}
	t.printf("%s", prompt)
	if t.isTerminal() {
		b, err := term.ReadPassword(int(t.in.(*os.File).Fd()))
		t.println("")
		return string(b), err
	}
	pw, err := t.readLine(ctx)
	t.println("")
	return pw, err
}

func (t *terminal) isTerminal() bool {
	f, ok := t.in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (t *terminal) progress(ev session.Event) { t.println(ev.Text) }

// chat runs the chat loop of an accepted session until it ends: lines typed
// are sent, "/quit" (or end of input, or ctx) ends the session for both.
func (t *terminal) chat(ctx context.Context, s *session.Session) string {
	t.println(s.ConnectedText())
	t.println(`Type a message and press ENTER to send it; type /quit to end the session.`)
	t.start()
	lines := t.lines
	for {
		select {
		case ev := <-s.Events():
			t.showEvent(ev)
		case l, ok := <-lines:
			if !ok {
				lines = nil // no more input: keep showing the session until it ends
				continue
			}
			l = strings.TrimSpace(l)
			switch {
			case l == "":
			case l == "/quit":
				s.Close()
			default:
				if err := s.Send(l); err != nil {
					t.println("Your message was not sent: " + err.Error())
				} else {
					t.printf("[%s] You: %s\n", time.Now().Format("15:04"), l)
				}
			}
		case <-s.Done():
			for {
				select {
				case ev := <-s.Events():
					t.showEvent(ev)
					continue
				default:
				}
				break
			}
			reason := s.Wait(ctx)
			t.println(reason)
			return reason
		case <-ctx.Done():
			reason := s.Wait(ctx)
			t.println(reason)
			return reason
		}
	}
}

func (t *terminal) showEvent(ev session.Event) {
	switch ev.Kind {
	case session.EventChat:
		t.printf("[%s] %s: %s\n", ev.Time.Format("15:04"), ev.From, ev.Text)
	default:
		t.println(ev.Text)
	}
}

// message turns an error into the plain sentence the user sees.
func message(err error) string {
	if errors.Is(err, context.Canceled) {
		return "Stopped."
	}
	return session.UserMessage(err)
}
