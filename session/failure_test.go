package session_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/session"
)

func TestUserMessage(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:4001: connection refused")
	cases := map[string]struct {
		err  error
		want string
	}{
		"a Failure says its sentence": {
			&session.Failure{Message: "Alice declined the connection.", Err: cause},
			"Alice declined the connection.",
		},
		"a wrapped Failure still says its sentence": {
			fmt.Errorf("helping: %w", &session.Failure{Message: "Alice declined the connection.", Err: cause}),
			"Alice declined the connection.",
		},
		"a plain error says what went wrong and what to try": {
			cause,
			"Something went wrong: dial tcp 127.0.0.1:4001: connection refused. Try again; if it keeps happening, run with --verbose and send the log.",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := session.UserMessage(tc.err); got != tc.want {
				t.Errorf("UserMessage = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFailureUnwraps(t *testing.T) {
	f := &session.Failure{Message: "The invitation is locked.", Err: session.ErrLocked}
	if !errors.Is(f, session.ErrLocked) {
		t.Error("errors.Is(Failure, its cause) = false")
	}
	if f.Error() != f.Message {
		t.Errorf("Error() = %q, want the message", f.Error())
	}
	if strings.Contains(f.Error(), session.ErrLocked.Error()) {
		t.Error("the user's sentence includes the technical cause")
	}
}
