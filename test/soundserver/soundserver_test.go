//go:build linux

package soundserver

import (
	"context"
	"math"
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

// TestRoomDelayIsFixed: what the speaker sink plays comes into the
// microphone sink 6 dB lower at one delay that does not move over two
// sentences (an echo canceller learns a room once), recorded on one
// clock: the speaker's monitor left, the microphone's right.
func TestRoomDelayIsFixed(t *testing.T) {
	s := Start(t)
	s.NullSink(t, "spk")
	s.NullSink(t, "mic")
	s.Room(t, "spk", "mic", -6)
	s.StereoNullSink(t, "probe")
	s.Link(t, "spk:monitor_MONO", "probe:playback_FL")
	s.Link(t, "mic:monitor_MONO", "probe:playback_FR")
	dir := t.TempDir()
	speech, rec := filepath.Join(dir, "speech.wav"), filepath.Join(dir, "rec.wav")
	Speech(t, "The printer in the office says it is out of paper, but the tray is full.", speech)
	stop := s.RecordChannels(context.Background(), t, "probe.monitor", rec, 2)
	s.Play(t, speech, "spk")
	time.Sleep(time.Second)
	s.Play(t, speech, "spk")
	time.Sleep(300 * time.Millisecond)
	stop()
	chans, rate := ReadWAVChannels(t, rec)
	played, heard := chans[0], chans[1]
	lag, _ := BestLag(played, heard, rate/2)
	corr, lags := Aligned(played, heard, lag, rate/10, rate/100)
	var pp, ph float64
	for i := range played {
		if j := i + lag; j >= 0 && j < len(heard) {
			pp += float64(played[i]) * float64(played[i])
			ph += float64(heard[j]) * float64(heard[j])
		}
	}
	gain := 10 * math.Log10(ph/pp)
	t.Logf("the room: %.1f ms later, %.1f dB, correlation %.4f, %d blocks of 100 ms", float64(lag)*1000/float64(rate), gain, corr, len(lags))
	if corr < 0.99 {
		t.Errorf("the microphone did not hear the speaker as played: correlation %.4f", corr)
	}
	if math.Abs(gain+6) > 0.5 {
		t.Errorf("the room returns the speaker %.1f dB, want -6", gain)
	}
	for _, l := range lags {
		if l != lag {
			t.Errorf("the room's delay moved: %d samples, then %d", lag, l)
			break
		}
	}
}
