package x11sync

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
)

// authority finds the MIT-MAGIC-COOKIE-1 for display number on host ("" or
// "unix": this machine) in $XAUTHORITY or ~/.Xauthority, as Xau does: the
// first entry for this machine (or any machine) and this display (or any).
// None found: no authentication, which a server without access control
// (Xvfb started without -auth) accepts.
func authority(host, number string) (name string, data []byte) {
	file := os.Getenv("XAUTHORITY")
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", nil
		}
		file = filepath.Join(home, ".Xauthority")
	}
	f, err := os.Open(file)
	if err != nil {
		return "", nil
	}
	defer f.Close()
	if host == "" || host == "unix" || host == "localhost" {
		host, _ = os.Hostname()
	}
	return findCookie(bufio.NewReader(f), host, number)
}

// The address families of an Xauthority entry (Xauth.h).
const (
	familyLocal = 256
	familyWild  = 65535
)

// findCookie reads Xauthority entries from r until one for host and
// display number with a MIT-MAGIC-COOKIE-1.
func findCookie(r io.Reader, host, number string) (name string, data []byte) {
	field := func() ([]byte, bool) {
		var n [2]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, false
		}
		b := make([]byte, binary.BigEndian.Uint16(n[:]))
		_, err := io.ReadFull(r, b)
		return b, err == nil
	}
	for {
		var fam [2]byte
		if _, err := io.ReadFull(r, fam[:]); err != nil {
			return "", nil
		}
		addr, ok1 := field()
		disp, ok2 := field()
		kind, ok3 := field()
		cookie, ok4 := field()
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return "", nil
		}
		family := binary.BigEndian.Uint16(fam[:])
		if (family == familyWild || family == familyLocal && string(addr) == host) &&
			(len(disp) == 0 || string(disp) == number) && string(kind) == "MIT-MAGIC-COOKIE-1" {
			return string(kind), cookie
		}
	}
}
