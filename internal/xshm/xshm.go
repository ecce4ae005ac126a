package xshm

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
)

// Segment is a System V shared memory segment attached both here and in
// the X server.
type Segment struct {
	Seg shm.Seg
	Mem []byte
}

// Usable says why MIT-SHM cannot work for this display, or nil: the
// server must run on this machine and offer the extension.
func Usable(conn *xgb.Conn, display string) error {
	if !LocalDisplay(display) {
		return errors.New("display is not on this machine")
	}
	if err := shm.Init(conn); err != nil {
		return fmt.Errorf("server has no MIT-SHM: %w", err)
	}
	if _, err := shm.QueryVersion(conn).Reply(); err != nil {
		return fmt.Errorf("querying MIT-SHM version: %w", err)
	}
	return nil
}

// LocalDisplay reports whether an X display name ("host:N.S", ":N",
// "unix:N", "/path/to/socket:N"; "" = $DISPLAY) refers to a unix socket
// on this machine. A display reached over TCP, even "localhost:N" (as
// ssh -X sets), is not local for shm purposes: it may be a forwarded
// connection to another host.
func LocalDisplay(display string) bool {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if strings.HasPrefix(display, "/") {
		return true
	}
	colon := strings.LastIndex(display, ":")
	if colon < 0 {
		return false
	}
	host := display[:colon]
	if slash := strings.LastIndex(host, "/"); slash >= 0 {
		if host[:slash] != "unix" {
			return false // "tcp/host:N" and friends
		}
		host = host[slash+1:]
	}
	return host == "" || host == "unix"
}
