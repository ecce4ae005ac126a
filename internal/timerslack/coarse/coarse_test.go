//go:build linux && cgo

package coarse

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/timerslack"
)

// slackOf is thread tid's slack.
func slackOf(t *testing.T, tid int) time.Duration {
	t.Helper()
	d, err := timerslack.Of(tid)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEveryThreadHasTheSlack: the threads the runtime made before any
// test ran (sysmon among them) and those made since all have a
// millisecond of slack, as the constructor set it on the first thread.
func TestEveryThreadHasTheSlack(t *testing.T) {
	if os.Getenv("RA_P2P_TIMER_SLACK_NS") != "" {
		t.Skip("RA_P2P_TIMER_SLACK_NS is set: the slack is the one it asks for")
	}
	// A few more threads, made now.
	done := make(chan struct{})
	for range 3 {
		go func() {
			runtime.LockOSThread()
			<-done
		}()
	}
	defer close(done)
	time.Sleep(50 * time.Millisecond)
	tasks, err := filepath.Glob("/proc/self/task/*")
	if err != nil || len(tasks) < 4 {
		t.Fatalf("listing this process's threads: %d found, %v", len(tasks), err)
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(filepath.Base(task))
		if err != nil {
			t.Fatal(err)
		}
		if got := slackOf(t, tid); got != time.Millisecond {
			t.Errorf("thread %d: timer slack %v, want 1ms", tid, got)
		}
	}
}
