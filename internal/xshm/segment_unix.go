//go:build !windows

package xshm

import (
	"fmt"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"golang.org/x/sys/unix"
)

// New creates a segment of size bytes and attaches it to the server. The
// segment is marked for removal as soon as both sides are attached, so
// the kernel frees it when the last of them detaches, even if this process
// dies without Release.
func New(conn *xgb.Conn, size int) (*Segment, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("creating shm segment of %d bytes: %w", size, err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, fmt.Errorf("attaching shm segment: %w", err)
	}
	s := &Segment{Mem: mem}
	s.Seg, err = shm.NewSegId(conn)
	if err == nil {
		// A round trip: the server has attached (or refused) when Check returns.
		err = shm.AttachChecked(conn, s.Seg, uint32(id), false).Check()
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

// Release detaches the segment from the server and from this process,
// after the server has done every request before it (DetachChecked is a
// round trip), so none of them reads freed memory. Any slice into Mem is
// invalid afterwards.
func (s *Segment) Release(conn *xgb.Conn) error {
	err := shm.DetachChecked(conn, s.Seg).Check()
	if derr := unix.SysvShmDetach(s.Mem); derr != nil && err == nil {
		err = derr
	}
	s.Mem = nil
	return err
}
