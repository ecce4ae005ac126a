//go:build linux

package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestDirectSessionAcrossTwoNATs runs the real binary in two homes behind
// cone NATs: the helper finds the novice through the DHT, the session
// connection is direct (router to router, no /p2p-circuit), chat crosses
// both ways, and the relays carried almost nothing.
func TestDirectSessionAcrossTwoNATs(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	for _, delay := range []int{0, 20} {
		t.Run(fmt.Sprintf("delay=%dms", delay), func(t *testing.T) {
			w := newWorld(t, netlab.Options{Nodes: 2, DelayMS: delay,
				Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
			for _, transport := range []string{"quic", "tcp"} {
				t.Run(transport, func(t *testing.T) {
					runDirectSession(t, w, transport)
				})
			}
		})
	}
}

func listenFor(transport string) []string {
	if transport == "quic" {
		return []string{"--listen", "/ip4/0.0.0.0/udp/0/quic-v1"}
	}
	return []string{"--listen", "/ip4/0.0.0.0/tcp/0"}
}

func runDirectSession(t *testing.T, w *world, transport string) {
	w.lab.FlushConntrack()
	relayedBefore := w.relayedBytes()
	n := w.startNovice("novice", listenFor(transport), nil)
	w.lab.ResetCounters()
	start := time.Now()
	h := w.startHelper("helper", n.file, listenFor(transport), nil)

	mustWait(t, h, `Do you want to connect to Alice's computer now\?`, 10*time.Second)
	mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, 30*time.Second)
	if err := n.proc.WriteLine("y"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Connected to Alice`, 20*time.Second)
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)
	t.Logf("%s: helper start → connected in %v", transport, time.Since(start).Round(time.Millisecond))

	// The session connection is direct: to the novice router's public address, not through a relay.
	m := mustWait(t, h, `Direct connection: (\S+)`, 5*time.Second)
	addr := m[1]
	if strings.Contains(addr, "p2p-circuit") {
		t.Fatalf("session runs over a relay: %s", addr)
	}
	if !strings.Contains(addr, "/"+w.lab.RouterWANIP("novice")+"/") {
		t.Fatalf("session address %s is not the novice router's WAN address %s", addr, w.lab.RouterWANIP("novice"))
	}
	wantProto := map[string]string{"quic": "/quic-v1", "tcp": "/tcp/"}[transport]
	if !strings.Contains(addr, wantProto) {
		t.Fatalf("session address %s is not %s", addr, transport)
	}

	// Chat both ways.
	if err := h.WriteLine("Hello Alice, what is wrong? é ß 日本"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Bob: Hello Alice, what is wrong\? é ß 日本`, 10*time.Second)
	if err := n.proc.WriteLine("My printer vanished from the list"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Alice: My printer vanished from the list`, 10*time.Second)

	// 1 MB of chat from the helper, which must go router to router.
	line := strings.Repeat("x", 1990)
	const lines = 520
	for i := 0; i < lines; i++ {
		if err := h.WriteLine(fmt.Sprintf("%04d%s", i, line)); err != nil {
			t.Fatal(err)
		}
	}
	mustWait(t, n.proc, fmt.Sprintf(`Bob: %04dx+`, lines-1), 60*time.Second)

	novRouter, err := w.lab.RouterBytes("novice")
	if err != nil {
		t.Fatal(err)
	}
	if novRouter.FromOtherHome < 1_000_000 {
		t.Errorf("only %d bytes came router to router; the session did not go home to home", novRouter.FromOtherHome)
	}
	t.Logf("novice router: %+v", novRouter)

	// Either side ends it; the other sees it.
	if err := h.WriteLine("/quit"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Disconnected from Bob`, 10*time.Second)
	mustWait(t, h, `Disconnected from Alice`, 10*time.Second)
	if code, err := h.Wait(10 * time.Second); err != nil || code != 0 {
		t.Errorf("helper exit: code %d, %v", code, err)
	}
	if code, err := n.proc.Wait(10 * time.Second); err != nil || code != 0 {
		t.Errorf("novice exit: code %d, %v", code, err)
	}
	// Give the nodes a second to log their final relay counters.
	time.Sleep(1500 * time.Millisecond)
	relayed := w.relayedBytes() - relayedBefore
	t.Logf("relays carried %d bytes for this session", relayed)
	if relayed >= 64<<10 {
		t.Errorf("the relays carried %d bytes (limit 64 KiB): session traffic went through a relay", relayed)
	}
	if novRouter.FromNodes+novRouter.ToNodes >= 256<<10 {
		t.Errorf("novice router exchanged %d bytes with the public nodes during the session", novRouter.FromNodes+novRouter.ToNodes)
	}
}
