package terminal

import "sync"

// GivenPassword is a password given without typing it (RA_P2P_PASSWORD).
// It counts for one attempt, whichever interface asks first: after a wrong
// one the user is asked, not sent the same wrong value again. The zero
// value, and an empty password, give nothing.
type GivenPassword struct {
	mu   sync.Mutex
	pw   string
	used bool
}

// NewGivenPassword holds pw for one attempt ("" = none given).
func NewGivenPassword(pw string) *GivenPassword { return &GivenPassword{pw: pw, used: pw == ""} }

// Take returns the password the first time, and false ever after (or when
// none was given). A nil GivenPassword gives nothing.
func (g *GivenPassword) Take() (string, bool) {
	if g == nil {
		return "", false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.used {
		return "", false
	}
	g.used = true
	return g.pw, true
}
