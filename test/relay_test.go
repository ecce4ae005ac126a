//go:build linux

package test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestOwnRelayWhenNoDirectPath: both routers change ports and there is no
// IPv6, so no direct connection exists. When both users chose a relay of
// their own (a node run with --relay-sessions, given with --relay on both
// sides), the session runs through it and both sides say so; without the
// choice there is only the explanation (TestHardNATIsExplained).
func TestOwnRelayWhenNoDirectPath(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	w := newWorldWith(t, netlab.Options{Nodes: 3,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Hard}, {Name: "helper", NAT: netlab.Hard}}},
		map[int][]string{2: {"--relay-sessions"}})
	relay := w.bootstrap[4] // node 2, QUIC
	mustWait(t, w.nodes[2], `Session relaying is on`, 5*time.Second)
	n := w.startNovice("novice", []string{"--relay", relay}, nil)
	h := w.startHelper("helper", n.file, []string{"--relay", relay}, nil)
	mustWait(t, h, `A direct connection is not possible; connecting through your relay`, 30*time.Second)
	mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, 30*time.Second)
	if err := n.proc.WriteLine("y"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Connected to Alice through your relay`, 10*time.Second)
	m := mustWait(t, h, `Relayed connection \(your relay\): (\S+)`, 5*time.Second)
	relayID := relay[strings.LastIndex(relay, "/")+1:]
	if !regexp.MustCompile(`/p2p/` + relayID + `/p2p-circuit`).MatchString(m[1]) {
		t.Errorf("the session runs over %s, not through the chosen relay %s", m[1], relayID)
	}
	mustWait(t, n.proc, `Connected to Bob through your relay`, 10*time.Second)
	// More than a coordination relay would carry (32 KiB), both ways.
	line := strings.Repeat("r", 1000)
	for i := 0; i < 60; i++ {
		if err := h.WriteLine(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.WriteLine("last line through the relay"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Bob: last line through the relay`, 20*time.Second)
	if err := n.proc.WriteLine("and back"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Alice: and back`, 10*time.Second)
	h.WriteLine("/quit")
	h.Wait(10 * time.Second)
	n.proc.Wait(10 * time.Second)

	// Only the helper chose the relay: the novice has no slot there, so
	// there is no session, and the helper says why.
	n2 := w.startNovice("novice", nil, nil)
	h2 := w.startHelper("helper", n2.file, []string{"--relay", relay}, nil)
	code, err := h2.Wait(60 * time.Second)
	if err != nil {
		t.Fatalf("helper did not give up: %v\n%s", err, h2.Output())
	}
	if code == 0 || !strings.Contains(h2.Output(), "Alice must start ra-p2p invite with the same --relay") {
		t.Errorf("exit %d; want non-zero and a plain explanation:\n%s", code, h2.Output())
	}
}

// BenchmarkOwnRelay: both routers hard, no IPv6, no port mapping, and both
// users chose their own relay: 10 sessions, how many ran through it and
// said so, and the median time from `ra-p2p help` to the session (DCUtR
// and the punch are tried first, so this includes their give-up time).
func BenchmarkOwnRelay(b *testing.B) {
	const runs = 10
	w := newWorldWith(b, netlab.Options{Nodes: 3,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Hard}, {Name: "helper", NAT: netlab.Hard}}},
		map[int][]string{2: {"--relay-sessions"}})
	relay := w.bootstrap[4] // node 2, QUIC
	var times []time.Duration
	good := 0
	for i := 0; i < runs; i++ {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", []string{"--yes", "--relay", relay}, nil)
		start := time.Now()
		h := w.startHelper("helper", n.file, []string{"--relay", relay}, nil)
		if _, err := h.WaitFor(regexp.MustCompile(`Connected to Alice through your relay`), 40*time.Second); err != nil {
			times = append(times, 40*time.Second)
		} else {
			times = append(times, time.Since(start))
			good++
		}
		h.WriteLine("/quit")
		h.Wait(10 * time.Second)
		n.proc.Stop()
	}
	median := medianOf(times)
	b.ReportMetric(median.Seconds(), "median-s")
	row(b, "opt-in own relay, hard/hard IPv4 only: help → session through it, announced",
		fmt.Sprintf("%d/%d, median %.1f s (max %.1f)", good, runs, median.Seconds(), slices.Max(times).Seconds()),
		"works and says so (no target for time)", good == runs)
}
