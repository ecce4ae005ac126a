package p2p

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// TestRelayedConnectionRefused makes a connection that exists only through
// the node's relay and checks that session protocols refuse it both ways:
// Handle resets a stream that arrives over it and OpenStream will not open
// one. On loopback the connection stays relayed: DCUtR needs a public
// address (so it never starts here) and nothing else dials the target
// directly, which the test checks rather than assumes.
func TestRelayedConnectionRefused(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	if got := node.RelayedBytes(); got != 0 {
		t.Errorf("RelayedBytes of a fresh node = %d, want 0", got)
	}
	target := startHost(t, node, true) // holds a reservation on the node's relay
	dialer := startHost(t, node, false)
	var called atomic.Int32
	target.Handle(echoProtocol, func(s network.Stream) {
		called.Add(1)
		echo(s)
	})

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	circuit := ma.StringCast("/p2p/" + node.ID().String() + "/p2p-circuit/p2p/" + target.ID().String())
	relayed, _ := peer.AddrInfoFromP2pAddr(circuit)
	limited := network.WithAllowLimitedConn(ctx, "test: a relayed connection on purpose")
	// The reservation is made in the background after Bootstrap; until it
	// exists the relay refuses the circuit, so retry.
	for {
		err := dialer.h.Connect(limited, *relayed)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("connecting through the relay: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	conns := dialer.h.Network().ConnsToPeer(target.ID())
	if len(conns) == 0 {
		t.Fatal("no connection to the target after connecting through the relay")
	}
	for _, c := range conns {
		if !c.Stat().Limited || !isRelayed(c.RemoteMultiaddr()) {
			t.Fatalf("the dialer has a direct connection to the target (%s); this test needs a relayed one only", c.RemoteMultiaddr())
		}
	}
	if c := dialer.DirectConn(target.ID()); c != nil {
		t.Fatalf("DirectConn = %s over a relayed-only connection, want nil", c.RemoteMultiaddr())
	}
	if c := target.DirectConn(dialer.ID()); c != nil {
		t.Fatalf("the target's DirectConn = %s over a relayed-only connection, want nil", c.RemoteMultiaddr())
	}

	t.Run("Handle resets a stream over the relay", func(t *testing.T) {
		// A peer that breaks the rule on purpose: it opens a session-level
		// stream over the limited connection, which OpenStream never does.
		s, err := dialer.h.NewStream(network.WithNoDial(limited, "test"), target.ID(), echoProtocol)
		if err == nil {
			if !s.Conn().Stat().Limited {
				t.Fatalf("the stream went over %s, not the relay", s.Conn().RemoteMultiaddr())
			}
			_ = s.SetDeadline(time.Now().Add(wait))
			_, _ = s.Write([]byte("ping"))
			_ = s.CloseWrite()
			var b []byte
			b, err = io.ReadAll(s)
			if err == nil {
				t.Fatalf("read %q from a stream over the relay; want it reset", b)
			}
			s.Reset()
		}
		if !errors.Is(err, network.ErrReset) {
			t.Errorf("stream over the relay ended with %v, want a reset", err)
		}
		if n := called.Load(); n != 0 {
			t.Errorf("the handler ran %d times for a stream over the relay", n)
		}
	})

	t.Run("OpenStream refuses the relayed connection", func(t *testing.T) {
		// With only a limited connection the swarm waits for a direct one
		// (a hole punch or a reversed dial) until ctx ends, then fails: it
		// never falls back to the relay. So the wait here is short.
		for name, tc := range map[string]struct{ from, to *Host }{
			"dialer to target": {dialer, target},
			"target to dialer": {target, dialer},
		} {
			octx, cancel := context.WithTimeout(ctx, 2*time.Second)
			s, err := tc.from.OpenStream(octx, tc.to.ID(), echoProtocol)
			cancel()
			if err == nil {
				t.Errorf("%s: OpenStream opened a stream over %s", name, s.Conn().RemoteMultiaddr())
				s.Reset()
			}
		}
		if n := called.Load(); n != 0 {
			t.Errorf("the handler ran %d times", n)
		}
	})

	t.Run("the NAT report is served over the relay", func(t *testing.T) {
		// It is the one protocol allowed there (natreport.go). The target's
		// observer has seen only loopback, so its answer is "unknown".
		s, err := dialer.h.NewStream(network.WithNoDial(limited, "test"), target.ID(), traversal.NATReportProtocol)
		if err != nil {
			t.Fatalf("opening a NAT report stream over the relay: %v", err)
		}
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(wait))
		var r traversal.NATReport
		if err := json.NewDecoder(io.LimitReader(s, traversal.MaxNATReport)).Decode(&r); err != nil {
			t.Fatalf("reading the NAT report: %v", err)
		}
		if r.Mapping != traversal.MappingUnknown {
			t.Errorf("NAT report = %q, want %q", r.Mapping, MappingUnknown)
		}
		if got := dialer.PeerMapping(ctx, target.ID()); got != MappingUnknown {
			t.Errorf("PeerMapping over the relay = %q, want %q", got, MappingUnknown)
		}
	})

	t.Run("the relay counted what it carried", func(t *testing.T) {
		for node.RelayedBytes() == 0 {
			if ctx.Err() != nil {
				t.Fatal("RelayedBytes is still 0 after streams went through the relay")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	if c := dialer.DirectConn(target.ID()); c != nil {
		t.Errorf("a direct connection appeared during the test (%s): the streams above may not have gone through the relay", c.RemoteMultiaddr())
	}
}

func TestNewNeedsIdentity(t *testing.T) {
	h, err := New(Config{Listen: loopback})
	if err == nil {
		h.Close()
		t.Fatal("New without an identity succeeded")
	}
	if !strings.Contains(err.Error(), "identity") {
		t.Errorf("error %q does not say what is missing", err)
	}
}

func TestHostClose(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	h := startHost(t, node, false)
	first := h.Close()
	if second := h.Close(); second != first {
		t.Errorf("second Close = %v, first = %v; want the same", second, first)
	}
}
