//go:build linux

package test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// BenchmarkSessionSetup measures, in the two-home namespace topology, the
// time from starting `ra-p2p help` to an authenticated, accepted session
// ("Connected to Alice"), median of 10, at 0 and 20 ms per router.
// Targets (issue 2): ≤ 1.0 s at 0 ms, ≤ 2.0 s at 20 ms.
func BenchmarkSessionSetup(b *testing.B) {
	for _, tc := range []struct {
		delay  int
		target time.Duration
	}{{0, time.Second}, {20, 2 * time.Second}} {
		b.Run(fmt.Sprintf("delay=%dms", tc.delay), func(b *testing.B) {
			w := newWorld(b, netlab.Options{Nodes: 2, DelayMS: tc.delay,
				Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
			const runs = 10
			var times []time.Duration
			direct := 0
			for i := 0; i < runs; i++ {
				w.lab.FlushConntrack()
				n := w.startNovice("novice", []string{"--yes"}, nil)
				start := time.Now()
				h := w.startHelper("helper", n.file, nil, nil)
				mustWait(b, h, `Connected to Alice`, 30*time.Second)
				times = append(times, time.Since(start))
				if m, err := h.WaitFor(regexp.MustCompile(`Direct connection: (\S+)`), time.Second); err == nil && !strings.Contains(m[1], "p2p-circuit") {
					direct++
				}
				h.WriteLine("/quit")
				h.Wait(10 * time.Second)
				n.proc.Wait(10 * time.Second)
			}
			slices.Sort(times)
			median := (times[runs/2-1] + times[runs/2]) / 2
			b.ReportMetric(median.Seconds(), "median-s")
			b.ReportMetric(times[runs-1].Seconds(), "max-s")
			b.ReportMetric(float64(direct)/runs*100, "direct-%")
			row(b, fmt.Sprintf("helper start → session, %d ms per router", tc.delay),
				fmt.Sprintf("median %.2f s (min %.2f, max %.2f), %d/%d direct", median.Seconds(), times[0].Seconds(), times[runs-1].Seconds(), direct, runs),
				fmt.Sprintf("≤ %.1f s", tc.target.Seconds()), median <= tc.target && direct == runs)
		})
	}
}

// BenchmarkIdleNovice measures a novice waiting for its helper: CPU over
// 10 s and resident memory. Targets: < 1% CPU, < 60 MB RSS.
func BenchmarkIdleNovice(b *testing.B) {
	w := newWorld(b, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
	n := w.startNovice("novice", nil, nil)
	time.Sleep(2 * time.Second) // let start-up work settle
	pid := n.proc.Pid()
	t0, c0 := time.Now(), cpuTicks(b, pid)
	time.Sleep(10 * time.Second)
	t1, c1 := time.Now(), cpuTicks(b, pid)
	const ticksPerSecond = 100 // USER_HZ on Linux
	cpu := float64(c1-c0) / ticksPerSecond / t1.Sub(t0).Seconds() * 100
	rss := rssMB(b, pid)
	b.ReportMetric(cpu, "cpu-%")
	b.ReportMetric(rss, "rss-MB")
	row(b, "idle novice CPU", fmt.Sprintf("%.2f %%", cpu), "< 1 %", cpu < 1)
	row(b, "idle novice memory (RSS)", fmt.Sprintf("%.1f MB", rss), "< 60 MB", rss < 60)
}

// row prints one line of the `make bench` table.
func row(b *testing.B, what, measured, target string, ok bool) {
	verdict := "MISSED"
	if ok {
		verdict = "met"
	}
	fmt.Printf("BENCHROW| %s | %s | %s | %s |\n", what, measured, target, verdict)
}

func cpuTicks(b *testing.B, pid int) int64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	return statTicks(s)
}

// statTicks is the user and system CPU time in a /proc stat file (a
// process's or a thread's), in clock ticks.
func statTicks(stat []byte) int64 {
	// Fields after the command name (which may contain spaces) start after ")".
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

func rssMB(b *testing.B, pid int) float64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(s)
	if m == nil {
		b.Fatal("no VmRSS")
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}
