package session

import (
	"context"
	"time"
)

// EventKind says what an Event is.
type EventKind int

const (
	// EventProgress is a step on the way ("Looking for Alice's computer…").
	EventProgress EventKind = iota
	// EventStatus is a change of the session's state ("Connected to Alice").
	EventStatus
	// EventChat is a chat line from the other side.
	EventChat
)

// Event is something the user interface shows.
type Event struct {
	Kind EventKind
	Time time.Time
	From string // the other side's name for chat lines
	Text string
}

// Prompter asks the user. The terminal UI reads answers from standard input
// (or flags and environment); the windows show dialogs.
type Prompter interface {
	// Confirm asks a yes/no question; no is the safe default.
	Confirm(ctx context.Context, question string) (bool, error)
	// Password asks for a password without showing it.
	Password(ctx context.Context, prompt string) (string, error)
}
