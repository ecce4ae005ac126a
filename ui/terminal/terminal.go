package terminal

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

// Config describes a terminal. The zero value reads nothing and writes
// nowhere useful; set In and Out.
type Config struct {
	In  io.Reader
	Out io.Writer
	// Yes answers "connect now?" and "accept this helper?" without asking
	// (--yes); control and files offered are always asked.
	Yes bool
	// Password is a password given without typing it (RA_P2P_PASSWORD),
	// for one attempt; nil: none.
	Password *GivenPassword
	// Files sends files (/send) and cancels transfers (/cancel); nil: the
	// session has no file channel.
	Files Files
	// Voice talks (/talk starts and stops, /mute mutes and unmutes); nil:
	// the session has no voice channel.
	Voice Voice
	// Progress is where a transfer's progress goes (a bar redrawn in
	// place at a terminal, a line per quarter otherwise); nil: Out.
	Progress io.Writer
}

// Files is the file channel as the terminal drives it.
type Files interface {
	// Send offers files and folders to the other side; an error says why
	// nothing was offered.
	Send(paths []string) error
	// CancelAll cancels every transfer that runs.
	CancelAll()
}

// Voice is the voice channel as the terminal drives it.
type Voice interface {
	// Available says why this computer cannot talk; nil when it can.
	Available() error
	Start()
	Stop()
	State() session.VoiceState
	SetMuted(bool)
	Muted() bool
}

// Terminal is the line-based user interface. One goroutine reads standard
// input; questions and the chat loop take lines from it in turn, so a
// script can answer every question.
type Terminal struct {
	cfg   Config
	lines chan string // closed at EOF

	outMu     sync.Mutex
	barShown  bool // a progress bar is drawn in place at a terminal (outMu)
	startOnce sync.Once

	// the chat loop of the session being shown
	chat     sync.WaitGroup
	stopChat chan struct{}

	// Questions asked while the chat loop reads the lines get them from
	// it; one question at a time.
	questions sync.Mutex
	askMu     sync.Mutex
	chatOn    bool
	waiter    chan string // the question waiting for a line

	quarters map[string]int // per transfer, 1 + the last quarter printed (Show's goroutine)
}

// New makes a terminal; it reads nothing until asked.
func New(cfg Config) *Terminal {
	return &Terminal{cfg: cfg, lines: make(chan string)}
}

// MaxLine bounds one line of input; a longer line is dropped, and said so.
const MaxLine = 64 << 10

// start begins reading standard input; lazily, so a password typed at a
// real terminal is read with echo off before the line reader takes over.
func (t *Terminal) start() {
	t.startOnce.Do(func() {
		go func() { // ends at EOF; a read cannot be interrupted
			defer close(t.lines)
			r := bufio.NewReaderSize(t.cfg.In, 4096)
			for {
				line, err := readLine(r, MaxLine)
				if errors.Is(err, errLineTooLong) {
					t.Println(fmt.Sprintf("That line was longer than %d KiB, so it was not used; type a shorter one.", MaxLine>>10))
					continue
				}
				if err != nil && line == "" {
					return
				}
				t.lines <- line
				if err != nil {
					return
				}
			}
		}()
	})
}

var errLineTooLong = errors.New("terminal: line too long")

// readLine reads one line without its end (\n or \r\n). A line over max
// bytes is read to its end and dropped: errLineTooLong. At the end of input
// it returns what it read with io.EOF.
func readLine(r *bufio.Reader, max int) (string, error) {
	var b []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			b = append(b, chunk...)
			if len(b) > max+2 { // room for the line end
				tooLong, b = true, nil
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			if err != nil {
				return "", err
			}
			return "", errLineTooLong
		}
		line := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if len(line) > max {
			return "", errLineTooLong
		}
		return line, err
	}
}

// Printf writes to the terminal, one writer at a time.
func (t *Terminal) Printf(format string, a ...any) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if t.barShown { // a progress bar drawn in place: the line goes under it
		fmt.Fprint(t.cfg.Out, "\n")
		t.barShown = false
	}
	fmt.Fprintf(t.cfg.Out, format, a...)
}

// Println writes one line.
func (t *Terminal) Println(s string) { t.Printf("%s\n", s) }

// expect makes the next line typed the answer of the question about to
// be printed: registered first, because a script answers as soon as it
// reads the question, and the chat loop must hand that line over. The
// caller ends with forget.
func (t *Terminal) expect() <-chan string {
	t.start()
	t.askMu.Lock()
	defer t.askMu.Unlock()
	if !t.chatOn {
		return t.lines
	}
	w := make(chan string, 1) // the chat loop reads the lines: it hands the next one over
	t.waiter = w
	return w
}

// forget withdraws a question's claim on the next line (expect).
func (t *Terminal) forget(from <-chan string) {
	t.askMu.Lock()
	defer t.askMu.Unlock()
	if t.waiter != nil && (<-chan string)(t.waiter) == from {
		t.waiter = nil
	}
}

// readLine waits for the line expect promised.
func (t *Terminal) readLine(ctx context.Context, from <-chan string) (string, error) {
	select {
	case l, ok := <-from:
		if !ok {
			return "", io.EOF
		}
		return strings.TrimSpace(l), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// answer hands line to the question waiting for one, if there is one
// (the chat loop's lines go to a question first).
func (t *Terminal) answer(line string) bool {
	t.askMu.Lock()
	defer t.askMu.Unlock()
	if t.waiter == nil {
		return false
	}
	t.waiter <- line
	t.waiter = nil
	return true
}

// setChatOn says whether the chat loop reads the lines; when it stops, a
// question still waiting gets no line (io.EOF).
func (t *Terminal) setChatOn(on bool) {
	t.askMu.Lock()
	defer t.askMu.Unlock()
	t.chatOn = on
	if !on && t.waiter != nil {
		close(t.waiter)
		t.waiter = nil
	}
}

// Confirm implements session.Prompter: a yes/no question; anything but
// y/yes is no.
func (t *Terminal) Confirm(ctx context.Context, q session.Question) (bool, error) {
	t.questions.Lock()
	defer t.questions.Unlock()
	from := t.expect()
	defer t.forget(from)
	if q.Kind == session.AskConnect {
		for _, l := range InvitationLines(q, true) {
			t.Println(l)
		}
	}
	if c := q.Caution(); c != "" {
		t.Println(c)
	}
	if t.cfg.Yes && (q.Kind == session.AskConnect || q.Kind == session.AskAcceptHelper) {
		t.Printf("%s [y/N] y (--yes)\n", q.Text())
		return true, nil
	}
	choices := "[y/N]"
	if q.Kind == session.AskAcceptHelper {
		choices = `[y/N, or "stop" to decline and stop this invitation]`
	}
	t.Printf("%s %s ", q.Text(), choices)
	l, err := t.readLine(ctx, from)
	if err != nil {
		t.Println("")
		return false, err
	}
	if !t.isTerminal() {
		t.Println(l) // keep a script's answer visible in the transcript
	}
	l = strings.ToLower(strings.TrimSpace(l))
	if q.Kind == session.AskAcceptHelper && l == "stop" {
		return false, session.ErrStopInvitation
	}
	return l == "y" || l == "yes", nil
}

// Line implements session.Prompter: a line of standard input, q.Default
// when it is empty; with --yes nothing is asked and "" (no answer) returned.
func (t *Terminal) Line(ctx context.Context, q session.Question) (string, error) {
	t.questions.Lock()
	defer t.questions.Unlock()
	from := t.expect()
	defer t.forget(from)
	prompt := strings.TrimSuffix(q.Text(), ": ")
	if q.Default != "" {
		prompt += " [" + q.Default + "]"
	}
	if t.cfg.Yes {
		t.Printf("%s: %s (--yes)\n", prompt, q.Default)
		return "", nil
	}
	t.Printf("%s: ", prompt)
	l, err := t.readLine(ctx, from)
	if err != nil {
		t.Println("")
		return "", err
	}
	if !t.isTerminal() {
		t.Println(l)
	}
	if l = strings.TrimSpace(l); l == "" {
		return q.Default, nil
	}
	return l, nil
}

// InvitationLines describes the invitation of an AskConnect question:
// who it is from, when it expires, its message (quoted as Go does when
// quoteGo, else in plain double quotes).
func InvitationLines(q session.Question, quoteGo bool) []string {
	lines := []string{fmt.Sprintf("Invitation from %s (expires %s).", q.Peer, session.ExpiryText(q.Expires))}
	if m := strings.TrimSpace(q.Message); m != "" {
		if quoteGo {
			lines = append(lines, fmt.Sprintf("%s says: %q", q.Peer, m))
		} else {
			lines = append(lines, fmt.Sprintf("%s says: \"%s\"", q.Peer, m))
		}
	}
	return lines
}

// Password implements session.Prompter: the Config's password once, then a
// hidden line at a terminal, or a line of standard input from a script.
func (t *Terminal) Password(ctx context.Context, q session.Question) (string, error) {
	t.questions.Lock()
	defer t.questions.Unlock()
	from := t.expect()
	defer t.forget(from)
	if pw, ok := t.cfg.Password.Take(); ok {
		return pw, nil
	}
	t.Printf("%s", q.Text())
	if t.isTerminal() {
		b, err := term.ReadPassword(int(t.cfg.In.(*os.File).Fd()))
		t.Println("")
		return string(b), err
	}
	pw, err := t.readLine(ctx, from)
	t.Println("")
	return pw, err
}

func (t *Terminal) isTerminal() bool {
	f, ok := t.cfg.In.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Show implements session.UI: it prints the event and runs the chat loop
// while a session is connected.
func (t *Terminal) Show(ev session.Event) {
	switch ev.Kind {
	case session.EventWaiting:
		t.Println(fmt.Sprintf("Waiting for your helper… (the invitation expires %s; press Ctrl-C to stop)", session.ExpiryText(ev.Expires)))
	case session.EventConnected:
		s := ev.Session
		if s.Helper {
			t.Println(s.ConnectionText())
		}
		t.Println(s.ConnectedText())
		t.Println(t.commandsText())
		t.stopChat = make(chan struct{})
		t.start()
		t.chat.Go(func() { t.chatLoop(s, t.stopChat) })
	case session.EventEnded:
		if t.stopChat != nil {
			close(t.stopChat)
			t.chat.Wait()
			t.stopChat = nil
		}
		t.Print(ev)
	default:
		t.Print(ev)
	}
}

// commandsText says what can be typed in a session.
func (t *Terminal) commandsText() string {
	s := "Type a message and press ENTER to send it"
	if t.cfg.Files != nil {
		s += "; /send PATH… sends files or folders, /cancel stops sending or receiving them"
	}
	if t.cfg.Voice != nil {
		s += "; /talk starts or stops talking, /mute mutes your microphone"
	}
	return s + "; /quit ends the session."
}

// talk is /talk: start talking, or stop.
func (t *Terminal) talk() {
	v := t.cfg.Voice
	if v.State() != session.VoiceOff {
		v.Stop()
		return
	}
	if err := v.Available(); err != nil {
		t.Println("You cannot talk from this computer: " + err.Error())
		return
	}
	v.Start()
}

// Print prints an event's line, if it has one: chat with the time and the
// sender, progress and status as they are.
func (t *Terminal) Print(ev session.Event) {
	switch ev.Kind {
	case session.EventChat:
		t.Printf("[%s] %s: %s\n", ev.Time.Format("15:04"), ev.From, continued(ev.Text))
	case session.EventProgress, session.EventStatus, session.EventEnded:
		t.Println(ev.Text)
	case session.EventTransfer:
		t.showTransfer(ev)
	}
}

// continued indents every line of a chat message after its first behind
// "  | ", so a line a peer sends can never look like one of ours (a forged
// "[12:00] Alice: …" or "Disconnected from …").
func continued(text string) string {
	return strings.ReplaceAll(text, "\n", "\n  | ")
}

// chatLoop sends the lines typed until stop: "/quit" ends the session for
// both; at the end of input the session goes on until the other side ends
// it.
func (t *Terminal) chatLoop(s *session.Session, stop <-chan struct{}) {
	t.setChatOn(true)
	defer t.setChatOn(false)
	for {
		select {
		case <-stop:
			return
		case l, ok := <-t.lines:
			if !ok {
				return
			}
			if t.answer(l) {
				continue
			}
			l = strings.TrimSpace(l)
			switch {
			case l == "":
			case l == "/quit":
				s.Close()
			case t.cfg.Files != nil && (l == "/send" || strings.HasPrefix(l, "/send ")):
				paths := splitPaths(strings.TrimPrefix(l, "/send"))
				if len(paths) == 0 {
					t.Println("Say what to send: /send PATH… (put a path with spaces in quotes).")
				} else if err := t.cfg.Files.Send(paths); err != nil {
					t.Println("Nothing was sent: " + err.Error())
				}
			case t.cfg.Files != nil && l == "/cancel":
				t.cfg.Files.CancelAll()
			case t.cfg.Voice != nil && l == "/talk":
				t.talk()
			case t.cfg.Voice != nil && l == "/mute":
				muted := !t.cfg.Voice.Muted()
				t.cfg.Voice.SetMuted(muted)
				if muted {
					t.Println("Your microphone is muted: type /mute again to open it.")
				} else {
					t.Println("Your microphone is open.")
				}
			default:
				if err := s.Send(l); err != nil {
					t.Println("Your message was not sent: " + err.Error())
				} else {
					t.Printf("[%s] You: %s\n", time.Now().Format("15:04"), l)
				}
			}
		}
	}
}
