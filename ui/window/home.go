//go:build !nogui

package window

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/internal/portal"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
)

// HomeConfig is what the home window needs to make an invitation.
type HomeConfig struct {
	Logger *slog.Logger
	// FullName is offered as the novice's name (the account's full name).
	FullName string
	// Store keeps the keys of invitations made here (`invite --list`).
	Store invite.Store
	// Folder is where invitations made here are written, one folder per
	// invitation so the file can keep the plain name its helper sees.
	Folder string
	// Bootstrap peers go into every invitation made here (the config file's).
	Bootstrap []string
	// Notice, when set, is shown first: why the invitation this program was
	// opened with cannot be used.
	Notice string
}

// HomeChoice is what the person chose in the home window: the command that
// runs next, in a window of its own.
type HomeChoice struct {
	// InviteFile is an invitation made here: wait for the helper with it
	// (`ra-p2p invite --resume FILE`).
	InviteFile string
	// Help is an invitation file or its one-line form (`ra-p2p help ARG`).
	Help string
}

// RunHome shows the home window and walks the person through what they
// chose, as the classic tool's wizard did: ask for help (name, message,
// password, how long, control; then save, e-mail or copy the invitation) or
// give help (open the file or paste the line). It returns what to run next;
// a closed window is render.ErrClosed, and parent ended (SIGTERM) closes
// the window and returns its error. It must be called on the main
// goroutine.
func RunHome(parent context.Context, cfg HomeConfig) (HomeChoice, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &home{cfg: cfg, started: make(chan func(context.Context) (HomeChoice, bool, error), 1)}
	w, err := render.NewHome(render.HomeConfig{
		Invite: func() { h.start(h.invite) },
		Help:   func() { h.start(h.help) },
	})
	if err != nil {
		return HomeChoice{}, err
	}
	h.w = w
	// Asked to end (SIGTERM when the desktop session ends, Ctrl-C): the
	// window closes, as a session's does.
	defer context.AfterFunc(parent, w.Close)()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var choice HomeChoice
	var stepErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if cfg.Notice != "" {
			if _, err := h.ask(ctx, cfg.Notice, "OK", ""); err != nil {
				return
			}
		}
		for {
			var step func(context.Context) (HomeChoice, bool, error)
			select {
			case step = <-h.started:
			case <-ctx.Done():
				return
			}
			c, ok, err := step(ctx)
			if err != nil || ok {
				choice, stepErr = c, err
				w.Close()
				return
			}
			h.busy.Store(false)
			w.SetChoicesEnabled(true) // back home: the person changed their mind
		}
	}()
	runErr := w.Run()
	cancel()
	<-done
	if runErr != nil {
		return HomeChoice{}, runErr
	}
	if err := parent.Err(); err != nil && stepErr == nil && choice == (HomeChoice{}) {
		return HomeChoice{}, err // ended from outside: no choice was made
	}
	return choice, stepErr
}

type home struct {
	cfg     HomeConfig
	w       *render.HomeWindow
	started chan func(context.Context) (HomeChoice, bool, error)
	busy    atomic.Bool // a step runs (a second click before the buttons grey out starts nothing)
}

// The dialogs of the steps, each said in the log first (Info: `ra-p2p
// --verbose`), so a script or a test can follow where the person is.

func (h *home) asking(q string) {
	h.cfg.Logger.Info("home: asking", "question", strings.Join(strings.Fields(q), " "))
}

func (h *home) askLine(ctx context.Context, q, initial string) (string, bool, error) {
	h.asking(q)
	return h.w.AskLine(ctx, q, initial)
}

func (h *home) askPassword(ctx context.Context, q string) (string, bool, error) {
	h.asking(q)
	return h.w.AskPassword(ctx, q)
}

func (h *home) choose(ctx context.Context, q string, labels ...string) (int, error) {
	h.asking(q)
	return h.w.Choose(ctx, q, labels...)
}

func (h *home) chooseOrBack(ctx context.Context, q string, labels ...string) (int, error) {
	h.asking(q)
	return h.w.ChooseOrBack(ctx, q, labels...)
}

func (h *home) ask(ctx context.Context, q, yes, no string) (bool, error) {
	h.asking(q)
	return h.w.Ask(ctx, q, yes, no)
}

// start runs step on the home's goroutine (game goroutine: never blocks).
func (h *home) start(step func(context.Context) (HomeChoice, bool, error)) {
	if !h.busy.CompareAndSwap(false, true) {
		return // a step is running already
	}
	h.w.SetChoicesEnabled(false)
	h.started <- step // buffered: the step's goroutine is waiting for it
}

// lifetimes are the choices of how long an invitation may be used.
var lifetimes = []struct {
	label string
	ttl   time.Duration
}{
	{"2 hours", 2 * time.Hour},
	{"1 day", 24 * time.Hour},
	{"1 week", 7 * 24 * time.Hour},
	{"30 days", invite.MaxTTL},
}

// errBack is a step the person cancelled: back to the home window.
var errBack = errors.New("back")

// invite asks for the invitation's parts, makes it, offers the ways to
// send it and returns it to wait with. ok false: the person went back.
func (h *home) invite(ctx context.Context) (HomeChoice, bool, error) {
	opts := invite.Options{Bootstrap: h.cfg.Bootstrap}
	var err error
	if opts.Name, err = h.askText(ctx, "Invite someone to help you\n\nYour name, as your helper will see it:", h.cfg.FullName, invite.CheckName); err != nil {
		return HomeChoice{}, false, back(err)
	}
	if opts.Message, err = h.askText(ctx, "A short message for your helper: what is wrong? (You may leave it empty.)", "", invite.CheckMessage); err != nil {
		return HomeChoice{}, false, back(err)
	}
	if opts.Password, err = h.askNewPassword(ctx); err != nil {
		return HomeChoice{}, false, back(err)
	}
	labels := make([]string, len(lifetimes))
	for i, l := range lifetimes {
		labels[i] = l.label
	}
	i, err := h.choose(ctx, "How long may your helper use this invitation? After that it stops working by itself.", labels...)
	if err != nil {
		return HomeChoice{}, false, back(err)
	}
	opts.TTL = lifetimes[i].ttl
	allow, err := h.ask(ctx, "Allow your helper to control this computer?\n\nThey can ask to use your mouse and keyboard; you are asked each time, and ESC takes control back at once. With \"View only\" they can only watch.",
		"Allow when I say yes", "View only")
	if err != nil {
		return HomeChoice{}, false, back(err)
	}
	opts.NoControl = !allow

	if err := os.MkdirAll(h.cfg.Folder, 0o700); err != nil {
		return HomeChoice{}, false, h.failed(ctx, "The invitation could not be made: "+err.Error()+".")
	}
	dir, err := os.MkdirTemp(h.cfg.Folder, time.Now().Format("20060102-150405-"))
	if err != nil {
		return HomeChoice{}, false, h.failed(ctx, "The invitation could not be made: "+err.Error()+".")
	}
	file := filepath.Join(dir, invite.FileName(opts.Name))
	entry, armored, err := invite.Create(h.cfg.Store, opts, file)
	if err != nil {
		return HomeChoice{}, false, h.failed(ctx, "The invitation could not be made: "+err.Error()+".")
	}
	oneLine, err := invite.OneLine(armored)
	if err != nil {
		return HomeChoice{}, false, h.failed(ctx, "The invitation could not be made: "+err.Error()+".")
	}
	h.send(ctx, entry.Invitation, file, oneLine)
	return HomeChoice{InviteFile: file}, true, nil
}

// back turns a cancelled step into "go back home" (nil) and keeps a real
// error (the window closing).
func back(err error) error {
	if errors.Is(err, errBack) {
		return nil
	}
	return err
}

// failed shows what went wrong; the person goes back home after it.
func (h *home) failed(ctx context.Context, text string) error {
	_, err := h.ask(ctx, text, "OK", "")
	return back(err)
}

// askText asks for a line until check accepts it; Cancel is errBack.
func (h *home) askText(ctx context.Context, prompt, initial string, check func(string) error) (string, error) {
	problem := ""
	for {
		line, ok, err := h.askLine(ctx, prompt+problem, initial)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errBack
		}
		line = strings.TrimSpace(line)
		if err := check(line); err != nil {
			problem = "\n\nPlease change it: " + err.Error() + "."
			initial = line
			if utf8.RuneCountInString(initial) > 2000 {
				initial = "" // not worth keeping: it cannot be made short enough by hand
			}
			continue
		}
		return line, nil
	}
}

// askNewPassword asks whether to protect the invitation and, if so, for
// the password twice, with a word on its strength; "" is none.
func (h *home) askNewPassword(ctx context.Context) (string, error) {
	i, err := h.chooseOrBack(ctx, "Protect the invitation with a password? Then your helper needs both the invitation and the password: tell it to them another way (by phone, for example), never in the same message.",
		"No password", "Set a password…", "Back")
	switch {
	case err != nil:
		return "", err
	case i == 2:
		return "", errBack
	case i == 0:
		return "", nil
	}
	note := ""
	for {
		pw, ok, err := h.askPassword(ctx, "The invitation's password:"+note)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errBack
		}
		if pw == "" {
			note = "\n\nThe password is empty: type one, or Cancel."
			continue
		}
		again, ok, err := h.askPassword(ctx, "Type the password again.\n\n"+passwordStrength(pw))
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errBack
		}
		if again != pw {
			note = "\n\nThe two passwords were not the same. Type it again."
			continue
		}
		return pw, nil
	}
}

// passwordStrength is a word on how hard pw is to guess by someone who has
// the invitation: the novice locks it after 3 wrong tries, so length
// matters less than not being the obvious word.
func passwordStrength(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 6:
		return "Strength: weak. It is short; a few words together are easy to say on the phone and hard to guess."
	case n < 10:
		return "Strength: fair. Three wrong tries lock the invitation, so this is enough unless it is an obvious word."
	}
	return "Strength: good."
}

// send offers the ways to get the invitation to the helper until the
// person says it is sent: save as a file, e-mail, copy.
func (h *home) send(ctx context.Context, inv *invite.Invitation, file, oneLine string) {
	intro := fmt.Sprintf("Your invitation is ready (it expires %s). Send it to your helper one of these ways; then Remote Assistance waits for them.", session.ExpiryText(inv.Expires))
	if inv.Password != nil {
		intro += "\n\nTell them the password another way, by phone for example."
	}
	note := ""
	for {
		i, err := h.chooseOrBack(ctx, intro+note, "Save as a file…", "Send by e-mail…", "Copy", "Done: wait for my helper")
		if err != nil || i == 3 {
			return
		}
		switch i {
		case 0:
			note = "\n\n" + h.saveAs(ctx, file)
		case 1:
			note = "\n\n" + h.email(ctx, inv, file, oneLine)
		case 2:
			if err := render.CopyText(ctx, oneLine); err != nil {
				note = "\n\nIt could not be copied (" + err.Error() + "). Save it as a file or send it by e-mail instead."
			} else {
				note = "\n\nCopied. Paste it into a chat with your helper (Ctrl+V)."
			}
		}
	}
}

// invitations is the file dialogs' filter for invitation files.
var invitations = &portal.Filter{Name: "Invitations", Patterns: []string{"*.rainvite"}}

// saveAs copies the invitation where the person chooses, with the
// desktop's save dialog where one is installed, else a path asked in the
// window; it says what happened.
func (h *home) saveAs(ctx context.Context, file string) string {
	home, _ := os.UserHomeDir()
	suggested := filepath.Join(home, filepath.Base(file))
	var dest string
	if lines, ran := desktopDialog(ctx, h.cfg.Logger,
		portalAsk{save: true, req: portal.Request{Title: "Save the invitation", Folder: home, Name: filepath.Base(file), Filter: invitations}},
		dialogCmd{"zenity", []string{"--file-selection", "--save", "--confirm-overwrite", "--title=Save the invitation", "--filename=" + suggested}},
		dialogCmd{"kdialog", []string{"--getsavefilename", suggested, "*.rainvite"}}); ran {
		if len(lines) == 0 {
			return "Not saved."
		}
		dest = lines[0]
	}
	if dest == "" {
		line, ok, err := h.askLine(ctx, "Save the invitation as:", suggested)
		if err != nil || !ok || strings.TrimSpace(line) == "" {
			return "Not saved."
		}
		dest = strings.TrimSpace(line)
	}
	b, err := os.ReadFile(file)
	if err == nil {
		err = invite.WriteFile(dest, b)
	}
	switch {
	case errors.Is(err, invite.ErrFileExists):
		return dest + " already exists and was left as it is: choose another name."
	case err != nil:
		return "Not saved: " + err.Error() + "."
	}
	return "Saved as " + dest + ". Send this file to your helper (as an e-mail attachment, on a USB stick…)."
}

// email opens the person's mail program with the invitation (xdg-email):
// attached where the program supports it, and the one-line form in the
// body always, so any mail program carries it.
func (h *home) email(ctx context.Context, inv *invite.Invitation, file, oneLine string) string {
	if _, err := exec.LookPath("xdg-email"); err != nil {
		return "No mail program could be opened (xdg-email is not installed). Save the invitation as a file or copy it instead."
	}
	subject := "You have received a Remote Assistance invitation from " + inv.Name
	body := emailBody(inv.Name, filepath.Base(file), oneLine)
	cmd := exec.CommandContext(ctx, "xdg-email", "--utf8", "--subject", subject, "--body", body, "--attach", file)
	if out, err := cmd.CombinedOutput(); err != nil {
		h.cfg.Logger.Warn("xdg-email failed", "err", err, "output", string(out))
		return "The mail program could not be opened (" + err.Error() + "). Save the invitation as a file or copy it instead."
	}
	return "Your mail program has the message ready: choose your helper's address and send it."
}

// emailBody is the text of the invitation e-mail: what it is, how to open
// it, the caution, and the one-line form for mail programs that drop the
// attachment.
func emailBody(name, fileName, oneLine string) string {
	return fmt.Sprintf(`%[1]s is asking for your help with their computer, using Remote Assistance (ra-p2p).

To help: open the attached invitation, %[2]s, with ra-p2p (double-click it where ra-p2p is installed, or run "ra-p2p help %[2]s"). If the attachment is missing, copy the line below and run "ra-p2p help" with it, or paste it in ra-p2p's "Help someone who invited you".

Accept invitations only from people you know and trust.

%[3]s
`, name, fileName, oneLine)
}

// help asks for the invitation (file or line), checks it as the terminal
// does and returns it to help with. ok false: the person went back.
func (h *home) help(ctx context.Context) (HomeChoice, bool, error) {
	for {
		i, err := h.chooseOrBack(ctx, "Help someone who invited you\n\nHow did you get the invitation?",
			"Open the invitation file…", "Paste the one-line invitation…", "Back")
		if err != nil {
			return HomeChoice{}, false, back(err)
		}
		var arg string
		switch i {
		case 0:
			arg, err = h.openInvitation(ctx)
		case 1:
			var ok bool
			arg, ok, err = h.askLine(ctx, "Paste the invitation (Ctrl+V): the line that starts with rainvite1:", "")
			if !ok {
				arg = ""
			}
		default:
			return HomeChoice{}, false, nil
		}
		if err != nil {
			return HomeChoice{}, false, back(err)
		}
		arg = strings.TrimSpace(arg)
		if arg == "" {
			continue
		}
		if _, err := session.ReadInvitation(arg); err != nil {
			if _, err := h.ask(ctx, session.UserMessage(err), "OK", ""); err != nil {
				return HomeChoice{}, false, back(err)
			}
			continue
		}
		return HomeChoice{Help: arg}, true, nil
	}
}

// openInvitation asks which invitation file to open: the desktop's dialog
// where one is installed, else a path typed in the window.
func (h *home) openInvitation(ctx context.Context) (string, error) {
	home, _ := os.UserHomeDir()
	if lines, ran := desktopDialog(ctx, h.cfg.Logger,
		portalAsk{req: portal.Request{Title: "Open the invitation", AcceptLabel: "Open", Folder: home, Filter: invitations}},
		dialogCmd{"zenity", []string{"--file-selection", "--title=Open the invitation", "--file-filter=Invitations | *.rainvite", "--file-filter=All files | *", "--filename=" + home + "/"}},
		dialogCmd{"kdialog", []string{"--getopenfilename", home, "*.rainvite"}}); ran {
		if len(lines) == 0 {
			return "", nil
		}
		return lines[0], nil
	}
	line, ok, err := h.askLine(ctx, "The invitation file's path:", home+string(filepath.Separator))
	if err != nil || !ok {
		return "", err
	}
	return line, nil
}
