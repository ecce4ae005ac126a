package transfer

import (
	"errors"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// Sentinels for the failures a caller words differently. Errors wrap them
// with the names and numbers involved.
var (
	// ErrNotRegular: a path given to NewOffer is a symbolic link or a
	// special file (a device, a socket, a named pipe).
	ErrNotRegular = errors.New("transfer: not a file or a folder")
	// ErrTooMany: an offer would hold more files, or longer names, than
	// one offer may (files.MaxEntries, files.MaxMessage).
	ErrTooMany = errors.New("transfer: too much for one offer")
	// ErrUnsafeOffer is wrapped by *OfferError: names the receiver will
	// not save.
	ErrUnsafeOffer = errors.New("transfer: the offer has names that cannot be saved safely")
	// ErrNotEnoughSpace: Plan found less free space than the offer needs.
	ErrNotEnoughSpace = errors.New("transfer: not enough free space")
	// ErrDiskFull: the disk filled up while a file was being saved.
	ErrDiskFull = errors.New("transfer: the disk is full")
	// ErrDamaged: a chunk's hash, or a whole file's, did not match: what
	// arrived is not what was sent. The damaged file is received from the
	// start next time.
	ErrDamaged = errors.New("transfer: a file arrived damaged")
	// ErrChanged: a file changed while it was being sent (it grew, shrank
	// or was written to), or since it was offered.
	ErrChanged = errors.New("transfer: a file changed while it was being sent")
	// ErrProtocol: the other side broke the protocol: a malformed message,
	// one out of order, a sender that sends more or less than it offered.
	ErrProtocol = errors.New("transfer: the other side broke the file protocol")
	// ErrConnection: the stream ended or failed before the transfer was
	// complete. What was received and verified is kept for a resume.
	ErrConnection = errors.New("transfer: the connection was lost")
)

// DeclinedError is Send's error when the receiver declined the offer.
type DeclinedError struct {
	Reason string // the receiver's words, safe to show; may be empty
}

func (e *DeclinedError) Error() string {
	if e.Reason == "" {
		return "the files were declined"
	}
	return "the files were declined: " + e.Reason
}

// CancelledError is the error when the other side cancelled the
// transfer: its person did (ByUser), or it could not go on (Reason says
// why, in words written for the person on this side, safe to show). The
// caller knows who the other side is: "cancelled by Alice".
type CancelledError struct {
	ByUser bool
	Reason string
}

func (e *CancelledError) Error() string {
	if e.ByUser {
		return "the other side cancelled the transfer"
	}
	if e.Reason == "" {
		return "the other side stopped the transfer"
	}
	return "the other side stopped the transfer: " + e.Reason
}

func cancelledBy(c files.Cancel) *CancelledError {
	return &CancelledError{ByUser: c.Kind == files.CancelByUser, Reason: c.Reason}
}

// peerError is an error of this side that the other side's person is told
// about, in a sentence written for them (files.Cancel.Reason).
type peerError struct {
	err  error
	tell string
}

func (e *peerError) Error() string { return e.err.Error() }
func (e *peerError) Unwrap() error { return e.err }

// tell wraps err with the sentence sent to the other side in a Cancel.
func tell(err error, sentence string) error { return &peerError{err: err, tell: sentence} }
