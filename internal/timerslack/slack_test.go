//go:build linux && cgo

package timerslack

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// slackOf reads /proc/TID/timerslack_ns (the task directories have no
// such entry).
func slackOf(t *testing.T, tid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", tid))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ns)
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

// TestPreciseIsForItsThread: Precise gives the calling thread the kernel's
// default slack and leaves the others theirs.
func TestPreciseIsForItsThread(t *testing.T) {
	if os.Getenv("RA_P2P_TIMER_SLACK_NS") != "" {
		t.Skip("RA_P2P_TIMER_SLACK_NS is set: the slack is the one it asks for")
	}
	got := make(chan [2]time.Duration)
	go func() {
		runtime.LockOSThread() // the thread ends with the goroutine: its slack goes with it
		if err := Precise(); err != nil {
			t.Error(err)
		}
		got <- [2]time.Duration{slackOf(t, unix.Gettid()), slackOf(t, os.Getpid())}
	}()
	s := <-got
	if s[0] != kernelDefault {
		t.Errorf("after Precise: the thread's slack %v, want %v", s[0], kernelDefault)
	}
	if s[1] != time.Millisecond {
		t.Errorf("after Precise on another thread: the first thread's slack %v, want 1ms", s[1])
	}
}
