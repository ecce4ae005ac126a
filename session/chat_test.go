package session_test

import (
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/stream"
)

// TestChatLineOverTheLimitIsRefused: a line the other side would see cut
// is not sent at all, and the sender is told why; the next one arrives
// whole.
func TestChatLineOverTheLimitIsRefused(t *testing.T) {
	helper, novice := sessiontest.Pair(t, sessiontest.Options{})
	long := strings.Repeat("é", stream.MaxChatRunes+1000)
	err := helper.Send(long)
	if err == nil || !strings.Contains(err.Error(), "send it in parts") {
		t.Fatalf("Send of %d characters = %v, want a refusal that says to send it in parts", stream.MaxChatRunes+1000, err)
	}
	full := strings.Repeat("é", stream.MaxChatRunes)
	if err := helper.Send(full); err != nil {
		t.Fatalf("Send of %d characters: %v", stream.MaxChatRunes, err)
	}
	ev := novice.WaitFor(t, "a chat line", func(ev session.Event) bool { return ev.Kind == session.EventChat })
	if ev.Text != full {
		t.Errorf("the first line to arrive has %d characters, want the %d-character one", len([]rune(ev.Text)), stream.MaxChatRunes)
	}
}
