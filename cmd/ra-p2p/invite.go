package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"golang.org/x/term"
)

func runInvite(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("invite", stderr)
	var common commonFlags
	common.register(fs)
	name := fs.String("name", "", "your `NAME` as your helper will see it")
	msg := fs.String("message", "", "a short `TEXT` for your helper (what is wrong)")
	password := fs.Bool("password", false, "protect the invitation with a password you tell your helper another way (asked twice, or RA_P2P_PASSWORD)")
	expires := fs.Duration("expires", 2*time.Hour, "how long the invitation can be used (1m to 720h)")
	out := fs.String("o", "", "write the invitation to `FILE` (default: NAME.rainvite)")
	noControl := fs.Bool("no-control", false, "never let the helper take control of this computer")
	yes := fs.Bool("yes", false, "accept helpers without asking (for scripts)")
	list := fs.Bool("list", false, "list your invitations and exit")
	revoke := fs.String("revoke", "", "revoke the invitation with this `ID` (see --list) and exit")
	resume := fs.String("resume", "", "wait again for a helper with the invitation in `FILE`")
	noGUI := fs.Bool("no-gui", false, "stay in the terminal instead of opening a window")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	logger := common.apply(stderr)
	term := newTerminal(stdin, stdout, *yes)
	// Checked before an invitation is made: a typo must not leave one behind.
	network, err := common.sessionNetwork()
	if err != nil {
		return err
	}

	storeDir, err := invite.DefaultStoreDir()
	if err != nil {
		return fmt.Errorf("finding where invitations are kept: %w", err)
	}
	store := invite.Store{Dir: storeDir}

	switch {
	case *list:
		return listInvitations(store, stdout)
	case *revoke != "":
		if err := store.Revoke(*revoke); err != nil {
			if errors.Is(err, invite.ErrNotFound) {
				return &session.Failure{Message: fmt.Sprintf("There is no invitation %q; `ra-p2p invite --list` shows them.", *revoke), Err: err}
			}
			return err
		}
		term.println(fmt.Sprintf("Invitation %s is revoked: no helper can use it now. If `ra-p2p invite` is still waiting with it, it turns the next helper away and stops.", *revoke))
		return nil
	}

	bootstrapStrs, bootstrap, err := bootstrapList(common.bootstrap)
	if err != nil {
		return err
	}
	var entry *invite.Entry
	var file string
	if *resume != "" {
		entry, file, err = resumeInvitation(store, *resume)
		if err != nil {
			return err
		}
	} else {
		if strings.TrimSpace(*name) == "" {
			return usageError{"--name is required: the name your helper will see (for example --name Alice)"}
		}
		pw := ""
		if *password {
			if pw, err = newPassword(term, stdin); err != nil {
				return err
			}
		}
		inv, priv, pwKey, err := invite.New(invite.Options{
			Name: *name, Message: *msg, Password: pw, TTL: *expires, NoControl: *noControl, Bootstrap: bootstrapStrs,
		})
		if err != nil {
			return usageError{err.Error()}
		}
		armored, err := invite.Encode(inv, priv)
		if err != nil {
			return fmt.Errorf("writing the invitation: %w", err)
		}
		file = *out
		if file == "" {
			file = fileNameFor(*name)
		}
		if err := store.Save(inv, priv, pwKey); err != nil {
			return fmt.Errorf("keeping the invitation's key: %w", err)
		}
		if err := writeNewFile(file, armored); err != nil {
			return err
		}
		oneLine, err := invite.OneLine(armored)
		if err != nil {
			return fmt.Errorf("making the one-line form: %w", err)
		}
		entry = &invite.Entry{Invitation: inv, Key: priv, PasswordKey: pwKey}
		term.println(fmt.Sprintf("Invitation %s written to %s (expires %s).", inv.ID(), file, whenExpires(inv.Expires)))
		term.println("One-line form, for pasting into a chat:")
		term.println(oneLine)
	}
	inv := entry.Invitation
	term.println(fmt.Sprintf("Send %s to your helper; they run: ra-p2p help %s", file, filepath.Base(file)))
	if inv.Password != nil {
		term.println("Tell your helper the password another way (by phone, for example), never in the same message.")
	}

	cfg := session.NoviceConfig{
		Entry: entry, Store: store, Prompter: term, Progress: term.progress,
		Bootstrap: bootstrap, Listen: common.listen, Logger: logger, Relays: network.relays,
		PortMapping: network.portMapping,
	}
	if hasDisplay() {
		cfg.Channels = map[string]session.ChannelHandler{stream.ScreenProtocol: shareScreen(logger, term.println)}
	}
	if useGUI(*noGUI) {
		return inviteInWindow(ctx, cfg, *yes, term)
	}
	n, err := session.StartNovice(ctx, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	term.println(fmt.Sprintf("Waiting for your helper… (the invitation expires %s; press Ctrl-C to stop)", whenExpires(inv.Expires)))
	s, err := n.Wait(ctx)
	if err != nil {
		return err
	}
	term.chat(ctx, s)
	return nil
}

func listInvitations(store invite.Store, stdout io.Writer) error {
	entries, err := store.List()
	if err != nil {
		return fmt.Errorf("listing invitations: %w", err)
	}
	if len(entries) == 0 {
		fmt.Fprintln(stdout, "You have no invitations. Make one with: ra-p2p invite --name YOUR-NAME")
		return nil
	}
	now := time.Now()
	for _, e := range entries {
		state := "valid, expires " + whenExpires(e.Invitation.Expires)
		switch {
		case e.Revoked:
			state = "revoked"
		case e.Locked:
			state = "locked (wrong password too many times)"
		case now.After(e.Invitation.Expires):
			state = "expired"
		}
		pw := ""
		if e.Invitation.Password != nil {
			pw = ", password"
		}
		fmt.Fprintf(stdout, "%s  %-16s %s%s  %q\n", e.Invitation.ID(), e.Invitation.Name, state, pw, e.Invitation.Message)
	}
	return nil
}

func resumeInvitation(store invite.Store, file string) (*invite.Entry, string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, "", &session.Failure{Message: fmt.Sprintf("Could not read %s: %v.", file, err), Err: err}
	}
	inv, err := invite.Parse(b, time.Now())
	if err != nil {
		return nil, "", explainInvitationError(err, file)
	}
	e, err := store.Load(inv.ID())
	if err != nil {
		if errors.Is(err, invite.ErrNotFound) {
			return nil, "", &session.Failure{Message: file + " was not made on this computer (its key is not here), so it cannot be resumed here. Make a new invitation.", Err: err}
		}
		return nil, "", err
	}
	switch {
	case e.Revoked:
		return nil, "", &session.Failure{Message: "That invitation was revoked. Make a new one with `ra-p2p invite`.", Err: session.ErrRevoked}
	case e.Locked:
		return nil, "", &session.Failure{Message: "That invitation is locked after too many wrong passwords. Make a new one with `ra-p2p invite`.", Err: session.ErrLocked}
	}
	return e, file, nil
}

// newPassword asks for the invitation password twice without echo, or
// takes RA_P2P_PASSWORD.
func newPassword(t *terminal, stdin io.Reader) (string, error) {
	if pw := os.Getenv("RA_P2P_PASSWORD"); pw != "" {
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError{"--password needs a terminal to ask for the password, or set RA_P2P_PASSWORD"}
	}
	for {
		t.printf("Choose a password for this invitation: ")
		a, err := term.ReadPassword(int(f.Fd()))
		t.println("")
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		t.printf("Type it again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		t.println("")
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		switch {
		case len(a) == 0:
			t.println("The password is empty; type one, or run without --password.")
		case string(a) != string(b):
			t.println("The two passwords differ; try again.")
		default:
			return string(a), nil
		}
	}
}

// fileNameFor makes "alice.rainvite" from "Alice" (letters and digits only).
func fileNameFor(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_':
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "invitation"
	}
	return s + ".rainvite"
}

// writeNewFile writes the invitation without replacing an existing file
// (which may be an older invitation someone still needs).
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usageError{fmt.Sprintf("%s already exists; choose another name with -o FILE or remove it", path)}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func whenExpires(t time.Time) string {
	d := time.Until(t).Round(time.Minute)
	if d < 0 {
		return "at " + t.Local().Format("2006-01-02 15:04") + ", already past"
	}
	return fmt.Sprintf("at %s, in %s", t.Local().Format("15:04"), strings.TrimSuffix(d.String(), "0s"))
}
