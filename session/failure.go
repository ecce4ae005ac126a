package session

import (
	"context"
	"errors"
)

// Failure is an error with a plain sentence for the user, saying what
// happened and what to do next. Err keeps the technical cause for logs.
type Failure struct {
	Message string
	Err     error
}

func (f *Failure) Error() string { return f.Message }
func (f *Failure) Unwrap() error { return f.Err }

func fail(err error, message string) error { return &Failure{Message: message, Err: err} }

// UserMessage returns the plain sentence for err: a Failure's message, or a
// generic one that still says what to try ("Stopped." when the user
// stopped it).
func UserMessage(err error) string {
	if errors.Is(err, context.Canceled) {
		return "Stopped."
	}
	var f *Failure
	if errors.As(err, &f) {
		return f.Message
	}
	return "Something went wrong: " + err.Error() + ". Try again; if it keeps happening, run with --verbose and send the log."
}
