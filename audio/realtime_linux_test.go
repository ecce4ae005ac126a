//go:build cgo && linux

package audio_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/audio"
	"golang.org/x/sys/unix"
)

// TestAudioThreadIsRealtime: the device's callbacks run on a thread with
// real-time (round-robin) scheduling when this process may give it one
// (root, or an RLIMIT_RTPRIO of 10 or more), on an ordinary one
// otherwise; either way the sound goes on.
func TestAudioThreadIsRealtime(t *testing.T) {
	server(t, "a", "b")
	var tid atomic.Int64
	d, err := audio.Open(audio.Config{
		Microphone: "pulse:a.monitor",
		Speaker:    "pulse:b",
		Capture:    func(_, _ []int16) { tid.Store(int64(unix.Gettid())) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(time.Second)
	s0 := d.Stats()
	time.Sleep(time.Second)
	if n := d.Stats().Frames - s0.Frames; n < 80 {
		t.Errorf("%d frames in a second, want ~100", n)
	}
	attr, err := unix.SchedGetAttr(int(tid.Load()), 0)
	if err != nil {
		t.Fatalf("reading the audio thread's scheduling: %v", err)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_RTPRIO, &lim); err != nil {
		t.Fatal(err)
	}
	may := unix.Geteuid() == 0 || lim.Cur >= 10
	t.Logf("audio thread %d: policy %d, priority %d (root %v, RLIMIT_RTPRIO %d)", tid.Load(), attr.Policy, attr.Priority, unix.Geteuid() == 0, lim.Cur)
	switch {
	case may && (attr.Policy != unix.SCHED_RR || attr.Priority != 10):
		t.Errorf("the audio thread has policy %d, priority %d; want round-robin (%d) at 10", attr.Policy, attr.Priority, unix.SCHED_RR)
	case !may && attr.Policy != schedOther:
		t.Errorf("the audio thread has policy %d though this process may not ask for real time", attr.Policy)
	}
	if attr.Flags&unix.SCHED_FLAG_RESET_ON_FORK == 0 && attr.Policy == unix.SCHED_RR {
		t.Errorf("a program started from the audio thread would inherit its real-time priority (no RESET_ON_FORK)")
	}
	// What a call logs when the device falls behind: the same thread's
	// state as the kernel reports it.
	state := d.ThreadState()
	t.Logf("ThreadState: %s", state)
	if want := fmt.Sprintf(", policy %d, real-time priority %d", attr.Policy, attr.Priority); !strings.HasPrefix(state, "state ") || !strings.HasSuffix(state, want) {
		t.Errorf("ThreadState() = %q, want \"state …%s\"", state, want)
	}
}

// schedOther is Linux's ordinary policy (SCHED_OTHER), which x/sys/unix
// does not name.
const schedOther = 0
