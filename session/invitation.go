package session

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/ra-p2p/ra-p2p/invite"
)

// ReadInvitation reads an invitation file, or takes the one-line form
// itself, and checks it; errors are a *Failure that says what to do.
func ReadInvitation(arg string) (*invite.Invitation, error) {
	var data []byte
	if strings.HasPrefix(strings.TrimSpace(arg), "rainvite") {
		data = []byte(arg)
	} else {
		b, err := readInvitationFile(arg)
		if err != nil {
			return nil, err
		}
		data = b
	}
	inv, err := invite.Parse(data, time.Now())
	if err != nil {
		return nil, explainInvitationError(err)
	}
	return inv, nil
}

// readInvitationFile reads an invitation file; errors are a *Failure that
// says what to give instead.
func readInvitationFile(path string) ([]byte, error) {
	b, err := invite.ReadFile(path)
	var pe *fs.PathError
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, invite.ErrNotRegular):
		return nil, &Failure{Message: fmt.Sprintf("%s is not an invitation file (it is a folder, a device or a pipe). Give the .rainvite file you were sent.", path), Err: err}
	case errors.Is(err, invite.ErrTooLarge):
		return nil, &Failure{Message: fmt.Sprintf("%s is far too large to be an invitation (they are a few KB). Give the .rainvite file you were sent.", path), Err: err}
	case errors.As(err, &pe):
		return nil, &Failure{Message: fmt.Sprintf("Could not read the invitation %s: %v.", path, pe.Err), Err: err}
	default:
		return nil, &Failure{Message: fmt.Sprintf("Could not read the invitation %s: %v.", path, err), Err: err}
	}
}

func explainInvitationError(err error) error {
	var msg string
	switch {
	case errors.Is(err, invite.ErrExpired):
		msg = "This invitation has expired. Ask for a new one."
	case errors.Is(err, invite.ErrDamaged):
		msg = "This invitation is damaged (it was changed or cut on the way). Ask for it again, as a file attachment if you can."
	case errors.Is(err, invite.ErrTampered):
		msg = "This invitation was altered after it was made, so it cannot be trusted. Ask for a new one, by another channel if you can."
	case errors.Is(err, invite.ErrFromTheFuture):
		msg = "This invitation says it was made later than now, so the clock of the computer that made it, or of this one, is wrong. Set both clocks right and ask for a new invitation."
	case errors.Is(err, invite.ErrUnsupportedVersion):
		msg = "This invitation was made by a newer version of ra-p2p. Update ra-p2p and try again."
	default:
		msg = "This is not a readable ra-p2p invitation. Ask for it again."
	}
	return &Failure{Message: msg, Err: err}
}

// ResumeInvitation finds the invitation in file among those made on this
// computer (store), to wait for a helper with it again.
func ResumeInvitation(store invite.Store, file string) (*invite.Entry, error) {
	b, err := readInvitationFile(file)
	if err != nil {
		return nil, err
	}
	inv, err := invite.Parse(b, time.Now())
	if err != nil {
		return nil, explainInvitationError(err)
	}
	e, err := store.Load(inv.ID())
	if err != nil {
		if errors.Is(err, invite.ErrNotFound) {
			return nil, &Failure{Message: file + " was not made on this computer (its key is not here), so it cannot be resumed here. Make a new invitation.", Err: err}
		}
		return nil, err
	}
	switch {
	case e.Revoked:
		return nil, &Failure{Message: "That invitation was revoked. Make a new one with `ra-p2p invite`.", Err: ErrRevoked}
	case e.Locked:
		return nil, &Failure{Message: "That invitation is locked after too many wrong passwords. Make a new one with `ra-p2p invite`.", Err: ErrLocked}
	}
	return e, nil
}
