package soundserver

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartNullSinkRecord starts a server, makes a null sink, records its
// monitor while paplay plays into it, and checks the recording holds
// about as much sound as was played, then that every process it started
// is gone after the test.
func TestStartNullSinkRecord(t *testing.T) {
	var pids []int
	t.Run("server", func(t *testing.T) {
		s := Start(t)
		s.NullSink(t, "a")
		dir := t.TempDir()
		wav := filepath.Join(dir, "tone.wav")
		writeTone(t, wav, 48000, 440, 1.0)
		rec := filepath.Join(dir, "rec.wav")
		stop := s.Record(context.Background(), t, "a.monitor", rec)
		s.Play(t, wav, "a")
		time.Sleep(200 * time.Millisecond)
		stop()
		got, rate := ReadWAV(t, rec)
		if rate != 48000 {
			t.Fatalf("recorded at %d Hz, want 48000", rate)
		}
		loud := 0
		for _, v := range got {
			if v > 8000 || v < -8000 {
				loud++
			}
		}
		// A 1 s sine at half scale has ~2/3 of its samples above 8000.
		if loud < 48000/2 {
			t.Fatalf("recorded %d samples, %d loud: the tone did not reach the monitor", len(got), loud)
		}
		if !strings.Contains(s.Pactl(t, "info"), "PipeWire") {
			t.Errorf("pactl info does not name PipeWire")
		}
		pids = s.pids()
	})
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("process %d still runs after the test", pid)
		}
	}
	if len(pids) != 4 {
		t.Errorf("started %d processes, want 4 (dbus-daemon, pipewire, wireplumber, pipewire-pulse)", len(pids))
	}
}
