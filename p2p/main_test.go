package p2p

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/leakcheck"

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

func TestMain(m *testing.M) { leakcheck.Main(m) }

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
