package terminal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"golang.org/x/term"
)

// ErrNoTerminal is returned by NewPassword when standard input is not a
// terminal (and no password was given in Config).
var ErrNoTerminal = errors.New("terminal: standard input is not a terminal")

// NewPassword asks for a new invitation password twice, without echo,
// until both agree and it is not empty; Config.Password is taken as it is.
func (t *Terminal) NewPassword() (string, error) {
	if pw, ok := t.cfg.Password.Take(); ok {
		return pw, nil
	}
	if !t.isTerminal() {
		return "", ErrNoTerminal
	}
	fd := int(t.cfg.In.(*os.File).Fd())
	for {
		t.Printf("Choose a password for this invitation: ")
		a, err := term.ReadPassword(fd)
		t.Println("")
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		t.Printf("Type it again: ")
		b, err := term.ReadPassword(fd)
		t.Println("")
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		switch {
		case len(a) == 0:
			t.Println("The password is empty; type one, or run without --password.")
		case string(a) != string(b):
			t.Println("The two passwords differ; try again.")
		default:
			return string(a), nil
		}
	}
}

// PrintInvitations lists the invitations made on this computer, a line
// each: ID, name, state, message; then the records List could not read
// (damaged), each named, with what to do.
func PrintInvitations(w io.Writer, entries []*invite.Entry, damaged error) {
	defer func() {
		if damaged == nil {
			return
		}
		for _, line := range strings.Split(damaged.Error(), "\n") {
			fmt.Fprintf(w, "Skipped a damaged record (%s); `ra-p2p invite --revoke ID` removes it.\n", line)
		}
	}()
	if len(entries) == 0 {
		fmt.Fprintln(w, "You have no invitations. Make one with: ra-p2p invite --name YOUR-NAME")
		return
	}
	now := time.Now()
	for _, e := range entries {
		state := "valid, expires " + session.ExpiryText(e.Invitation.Expires)
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
		fmt.Fprintf(w, "%s  %-16s %s%s  %q\n", e.Invitation.ID(), e.Invitation.Name, state, pw, e.Invitation.Message)
	}
}
