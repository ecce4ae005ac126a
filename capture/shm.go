//go:build !windows

package capture

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"golang.org/x/sys/unix"
)

// shmSegment is a System V shared memory segment attached both here and in
// the X server; the server writes GetImage results straight into mem.
type shmSegment struct {
	seg shm.Seg
	mem []byte
}

// newShmSegment creates a segment of size bytes and attaches it to the server.
// The segment is marked for removal as soon as both sides are attached, so
// the kernel frees it when the last of them detaches, even if this process
// dies without Close.
func newShmSegment(conn *xgb.Conn, size int) (*shmSegment, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("creating shm segment of %d bytes: %w", size, err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, fmt.Errorf("attaching shm segment: %w", err)
	}
	s := &shmSegment{mem: mem}
	s.seg, err = shm.NewSegId(conn)
	if err == nil {
		// A round trip: the server has attached (or refused) when Check returns.
		err = shm.AttachChecked(conn, s.seg, uint32(id), false).Check()
		if err != nil {
			err = fmt.Errorf("X server attaching shm segment: %w", err)
		}
	}
	unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	if err != nil {
		unix.SysvShmDetach(mem)
		return nil, err
	}
	return s, nil
}

// release detaches the segment from the server and from this process. Any
// slice into mem is invalid afterwards.
func (s *shmSegment) release(conn *xgb.Conn) error {
	err := shm.DetachChecked(conn, s.seg).Check()
	if derr := unix.SysvShmDetach(s.mem); derr != nil && err == nil {
		err = derr
	}
	s.mem = nil
	return err
}

// shmUsable says whether MIT-SHM can work for this display: the server must
// run on this machine (a shm id means nothing to a remote server, and may even
// name someone else's segment there) and offer the extension.
func shmUsable(conn *xgb.Conn, display string, opts Options) error {
	if opts.noShm {
		return errors.New("disabled by the caller")
	}
	if !localDisplay(display) {
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

// localDisplay reports whether an X display name ("host:N.S", ":N",
// "unix:N", "/path/to/socket:N") refers to a unix socket on this machine.
// A display reached over TCP, even "localhost:N" (as ssh -X sets), is not
// local for shm purposes: it may be a forwarded connection to another host.
func localDisplay(display string) bool {
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
