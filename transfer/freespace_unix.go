//go:build linux || darwin

package transfer

import (
	"errors"
	"syscall"
)

// freeSpace is how many bytes an unprivileged user may still write on the
// file system that holds dir.
func freeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// isDiskFull says whether err is a full disk or an exhausted quota.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
