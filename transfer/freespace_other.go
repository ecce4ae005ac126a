//go:build !linux && !darwin && !windows

package transfer

import (
	"errors"
	"syscall"
)

// freeSpace is not known here: Plan skips its check, and a full disk is
// still reported when a write fails (ErrDiskFull).
func freeSpace(string) (int64, error) { return 0, errors.New("free space unknown on this system") }

// isDiskFull says whether err is a full disk.
func isDiskFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }
