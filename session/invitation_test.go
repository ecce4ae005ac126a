package session_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
)

// TestExpiryTextShowsDates: far expiries are dates, not thousands of hours.
func TestExpiryTextShowsDates(t *testing.T) {
	far := time.Now().Add(30 * 24 * time.Hour)
	if got, want := session.ExpiryText(far), "on "+far.Local().Format("2006-01-02")+" at "+far.Local().Format("15:04"); got != want {
		t.Errorf("ExpiryText(in 30 days) = %q, want %q", got, want)
	}
	if got := session.ExpiryText(time.Now().Add(2 * time.Hour)); !strings.Contains(got, "in 2h") {
		t.Errorf("ExpiryText(in 2 hours) = %q, want it to say in 2h", got)
	}
}
