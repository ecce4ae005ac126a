package invite

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id parameters for an invitation's password.
// They are carried in the invitation; the password never is.
type PasswordParams struct {
	Salt    []byte // 16 bytes
	Time    uint32 // argon2id iterations
	Memory  uint32 // KiB
	Threads uint8
}

// Parameters written by New (about 100-200 ms on a small laptop), and the
// bounds Parse accepts, so that a crafted invitation cannot make the helper
// burn memory or time.
const (
	saltLen        = 16
	defaultTime    = 2
	defaultMemory  = 64 * 1024 // KiB
	defaultThreads = 2
	maxTime        = 20
	maxMemory      = 1024 * 1024 // KiB = 1 GiB
	maxThreads     = 16
	passwordKeyLen = 32
)

func defaultPasswordParams() *PasswordParams {
	p := &PasswordParams{Salt: make([]byte, saltLen), Time: defaultTime, Memory: defaultMemory, Threads: defaultThreads}
	rand.Read(p.Salt)
	return p
}

func (p *PasswordParams) check() error {
	switch {
	case len(p.Salt) != saltLen:
		return fmt.Errorf("the password salt is %d bytes, not %d", len(p.Salt), saltLen)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("the password iteration count %d is not between 1 and %d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("the password thread count %d is not between 1 and %d", p.Threads, maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("the password memory cost %d KiB is not between %d KiB and 1 GiB", p.Memory, 8*uint32(p.Threads))
	}
	return nil
}

// PasswordKey derives the 32-byte password verifier argon2id(password, salt)
// with the invitation's parameters. It returns nil, nil when the invitation
// has no password (whatever password is), and ErrPasswordRequired when it has
// one and password is "".
func (inv *Invitation) PasswordKey(password string) ([]byte, error) {
	p := inv.Password
	if p == nil {
		return nil, nil
	}
	if password == "" {
		return nil, ErrPasswordRequired
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("deriving password key: %w", err)
	}
	return argon2.IDKey([]byte(password), p.Salt, p.Time, p.Memory, p.Threads, passwordKeyLen), nil
}
