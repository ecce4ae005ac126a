//go:build linux

// Package procgroup ends what is left of a test's process group. A group's
// number is its leader's PID, which Linux gives to a new process once the
// leader has been reaped and no member of the group is left; with the
// 32768 PIDs of these machines and the thousands of processes a suite run
// starts, that happens within a run. Signalling "-pgid" after the leader
// was reaped could then kill another test's program (it did: a test binary
// under Wine died with SIGKILL in the middle of its run). This package
// never signals a group whose number has become a live process's PID
// again.
package procgroup

import (
	"fmt"
	"os"
	"syscall"
)

// KillStragglers sends SIGKILL to what is left of the process group pgid
// whose leader has been reaped: its children that outlived it. While one
// of them lives the number stays theirs; when a process with PID pgid
// exists again it is not the (reaped) leader, and nothing is sent.
func KillStragglers(pgid int) {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pgid)); err == nil {
		return
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
}
