//go:build linux

// Package soak runs one session for a long time with everything moving,
// and checks that memory and goroutines stay flat: the screen churns (a
// scrolling xterm on Xvfb), chat goes both ways every second, and control
// is granted, used and given back again and again. Both sides run in this
// process (real libp2p hosts on loopback, session/sessiontest), so the
// numbers are the two sides together.
//
// TestSoak runs 3 minutes in CI and fails on growth; BenchmarkSoak runs an
// hour (RA_P2P_SOAK=DURATION to change it; `make soak`) and reports the
// slopes.
package soak

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// sample is the process at one moment.
type sample struct {
	at         time.Duration // since the session started
	goroutines int
	rssMB      float64 // resident set size
	heapMB     float64 // Go heap in use after a GC
}

func take(start time.Time) sample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{at: time.Since(start), goroutines: runtime.NumGoroutine(), rssMB: rssMB(), heapMB: float64(ms.HeapInuse) / (1 << 20)}
}

// rssMB reads VmRSS from /proc/self/status.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// slope is the least-squares growth of y per hour over the samples.
func slope(ss []sample, y func(sample) float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, s := range ss {
		x := s.at.Hours()
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+y(s), sxx+x*x, sxy+x*y(s)
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// run keeps one session busy for d, sampling every interval after warmUp,
// and returns the samples.
func run(tb testing.TB, d, warmUp, interval, controlEvery time.Duration) []sample {
	disp := xdisplay.Start(tb, 1280, 800)
	xterm := exec.Command("xterm", "-geometry", "160x50+0+0", "-e", "sh", "-c",
		"while :; do head -c 2250 /dev/urandom | base64 -w 120; sleep 0.05; done")
	xterm.Env = append(os.Environ(), disp.Env())
	if err := xterm.Start(); err != nil {
		tb.Fatalf("starting xterm: %v", err)
	}
	tb.Cleanup(func() { xterm.Process.Kill(); xterm.Wait() })
	disp.WaitWindowClass("XTerm", 10*time.Second)

	logger := sessiontest.Logger()
	view := &screenshare.View{Log: logger}
	ctl := &remotecontrol.Helper{Log: logger}
	helper, novice := sessiontest.Pair(tb, sessiontest.Options{
		HelperChannels: []session.Channel{view, ctl},
		NoviceChannels: []session.Channel{&screenshare.Share{Display: disp.Name, Log: logger},
			&remotecontrol.Novice{Enabled: true, Display: disp.Name, Log: logger}},
		NoviceAnswers: func(context.Context, session.Question) bool { return true },
	})
	novice.WaitStatus(tb, "Bob can see your screen.")
	start := time.Now()
	var samples []sample
	second := time.NewTicker(time.Second)
	defer second.Stop()
	nextControl, nextSample := start.Add(controlEvery/2), start.Add(warmUp)
	granted, grants, lines := false, 0, 0
	for time.Since(start) < d {
		<-second.C
		view.WithLatest(func(desktop.View) {}) // the window's pull
		lines++
		if err := helper.Send(fmt.Sprintf("line %d from Bob", lines)); err != nil {
			tb.Fatalf("chat: %v", err)
		}
		if err := novice.Send(fmt.Sprintf("line %d from Alice", lines)); err != nil {
			tb.Fatalf("chat: %v", err)
		}
		if granted {
			for i := range 20 { // the helper moves the pointer around
				ctl.Input(desktop.Event{Kind: desktop.MouseMove, X: 600 + i*5, Y: 400 + lines%50})
			}
		}
		if now := time.Now(); now.After(nextControl) {
			nextControl = now.Add(controlEvery / 2)
			if granted {
				ctl.Release()
			} else {
				ctl.Request()
				grants++
			}
			granted = !granted
		}
		if now := time.Now(); now.After(nextSample) {
			nextSample = now.Add(interval)
			samples = append(samples, take(start))
		}
	}
	if grants == 0 || lines == 0 {
		tb.Fatalf("the soak did nothing: %d grants, %d chat lines", grants, lines)
	}
	helper.WaitFor(tb, "the last chat line", func(ev session.Event) bool {
		return ev.Kind == session.EventChat && ev.Text == fmt.Sprintf("line %d from Alice", lines)
	})
	if v := view.Latest(); v.Image == nil {
		tb.Fatal("the viewer never got the screen")
	}
	tb.Logf("%d chat lines each way, control granted %d times", lines, grants)
	return samples
}

func report(tb testing.TB, ss []sample) (rssSlope, heapSlope, goroutineSlope float64) {
	for _, s := range ss {
		tb.Logf("at %v: %d goroutines, RSS %.1f MB, heap %.1f MB", s.at.Round(time.Second), s.goroutines, s.rssMB, s.heapMB)
	}
	return slope(ss, func(s sample) float64 { return s.rssMB }), slope(ss, func(s sample) float64 { return s.heapMB }),
		slope(ss, func(s sample) float64 { return float64(s.goroutines) })
}

// TestSoak: 3 minutes (RA_P2P_SOAK to change), control every 20 s; the
// goroutines at the end are those after the warm-up, and the heap has not
// grown by more than a few MB.
func TestSoak(t *testing.T) {
	d := 3 * time.Minute
	if v := os.Getenv("RA_P2P_SOAK"); v != "" {
		if pd, err := time.ParseDuration(v); err == nil {
			d = pd
		}
	}
	ss := run(t, d, 30*time.Second, 10*time.Second, 20*time.Second)
	rss, heap, gor := report(t, ss)
	t.Logf("slopes per hour: RSS %+.1f MB, heap %+.1f MB, goroutines %+.1f", rss, heap, gor)
	first, last := ss[0], ss[len(ss)-1]
	if last.goroutines > first.goroutines+10 {
		t.Errorf("goroutines grew from %d to %d", first.goroutines, last.goroutines)
	}
	if last.heapMB > first.heapMB+8 {
		t.Errorf("the heap grew from %.1f to %.1f MB", first.heapMB, last.heapMB)
	}
}

// BenchmarkSoak: an hour (RA_P2P_SOAK to change), control every minute;
// reports RSS and heap growth per hour and the goroutine slope.
func BenchmarkSoak(b *testing.B) {
	d := time.Hour
	if v := os.Getenv("RA_P2P_SOAK"); v != "" {
		if pd, err := time.ParseDuration(v); err == nil {
			d = pd
		}
	}
	ss := run(b, d, time.Minute, time.Minute, time.Minute)
	rss, heap, gor := report(b, ss)
	b.ReportMetric(rss, "rss-MB/hour")
	b.ReportMetric(heap, "heap-MB/hour")
	b.ReportMetric(gor, "goroutines/hour")
	fmt.Printf("BENCHROW| soak %v: RSS growth | %+.1f MB/hour | < 5 MB/hour | %s |\n", d, rss, verdict(rss < 5))
	fmt.Printf("BENCHROW| soak %v: goroutines | slope %+.1f/hour, %d at the end | flat | %s |\n", d, gor, ss[len(ss)-1].goroutines, verdict(gor < 1))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
