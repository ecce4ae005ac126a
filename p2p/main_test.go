package p2p

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// These tests run real libp2p hosts on loopback only: a bootstrap Node and
// home Hosts, all listening on 127.0.0.1 with port 0. Nothing is mocked.
//
// Two things about loopback shape what the tests can expect:
//   - 127.0.0.1 is not a public address, so DCUtR never starts (the
//     hole-punch service waits for a public address of its own) and the
//     NAT observer ignores every observation.
//   - Because the bootstrap list is all-local, hosts keep and announce
//     their loopback addresses (allLocal in host.go), so peers can dial each
//     other directly.

// loopback is the only listen configuration the tests use.
var loopback = []string{"/ip4/127.0.0.1/udp/0/quic-v1", "/ip4/127.0.0.1/tcp/0"}

// wait bounds every step that involves the network: generous, because a
// loaded 2-core machine running -race is slow, and no test asserts timing.
const wait = 30 * time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkNoLeaks(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkNoLeaks waits for every goroutine started by this module or by
// libp2p to end once all hosts and nodes are closed. A few process-wide
// goroutines that libp2p starts once and never stops are not leaks.
func checkNoLeaks(grace time.Duration) error {
	watched := []string{"github.com/ra-p2p/ra-p2p/", "github.com/libp2p/", "github.com/quic-go/", "github.com/ipfs/"}
	global := []string{
		"go-flow-metrics.(*sweeper)", // one bandwidth-meter sweeper per process
		"go-log/v2/writer.(*MirrorWriter)",
		"go.opencensus.io/stats/view",
		"checkNoLeaks", // this goroutine
	}
	deadline := time.Now().Add(grace)
	for {
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				buf = buf[:n]
				break
			}
			buf = make([]byte, 2*len(buf))
		}
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if containsAny(g, watched) && !containsAny(g, global) {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines still running after every test ended:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// testLogger discards logs unless RA_P2P_TEST_LOG is set: hosts log from
// their own goroutines, which may outlive a test's t.Log.
func testLogger() *slog.Logger {
	if os.Getenv("RA_P2P_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newKey(t *testing.T) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startNode runs a bootstrap node on loopback until the test ends.
func startNode(t *testing.T) *Node {
	t.Helper()
	n, err := NewNode(NodeConfig{Identity: newKey(t), Listen: loopback, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node Run: %v", err)
		}
	})
	return n
}

// nodePeers is what a home host is given as its bootstrap list.
func nodePeers(t *testing.T, n *Node) []peer.AddrInfo {
	t.Helper()
	addrs := n.Addrs()
	if len(addrs) == 0 {
		t.Fatal("node announces no address")
	}
	for _, a := range addrs {
		if !strings.HasPrefix(a.String(), "/ip4/127.0.0.1/") {
			t.Fatalf("node announces %s, want loopback only", a)
		}
	}
	ais, err := peer.AddrInfosFromP2pAddrs(addrs...)
	if err != nil {
		t.Fatal(err)
	}
	return ais
}

// startHost starts a home host bootstrapped from n, closed when the test ends.
func startHost(t *testing.T, n *Node, reachable bool) *Host {
	t.Helper()
	h, err := New(Config{Identity: newKey(t), Listen: loopback, Bootstrap: nodePeers(t, n), Reachable: reachable, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("closing host: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := h.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// addrInfo is what a peer would learn about h from the DHT.
func addrInfo(h *Host) peer.AddrInfo { return peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()} }

func randomKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}
