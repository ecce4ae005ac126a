package p2p

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/ra-p2p/ra-p2p/p2p/portmap"
)

// fixedGateway forwards every port to 1.2.3.4 with the same number. It
// stands in for the router in this bookkeeping test only (no packet is
// sent); the real protocols run against miniupnpd in test/.
type fixedGateway struct{}

func (fixedGateway) Method() string { return "test" }
func (fixedGateway) Map(_ context.Context, _ string, port int, _ time.Duration) (netip.AddrPort, error) {
	return netip.AddrPortFrom(netip.MustParseAddr("1.2.3.4"), uint16(port)), nil
}
func (fixedGateway) Unmap(context.Context, string, int, netip.AddrPort) error { return nil }

// TestDCUtRAddrFilter: behind a router that changes ports, DCUtR offers
// IPv6 and forwarded ports only, never the ports public peers happened to
// observe; behind any other router it offers everything.
func TestDCUtRAddrFilter(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	h := startHost(t, node, false)
	f := &dcutrAddrFilter{}
	f.host.Store(h)
	observed := ma.StringCast("/ip4/1.2.3.4/udp/40000/quic-v1")
	forwarded := ma.StringCast("/ip4/1.2.3.4/udp/4001/quic-v1")
	v6 := ma.StringCast("/ip6/2606:4700::1/udp/4001/quic-v1")
	all := []ma.Multiaddr{observed, forwarded, v6}

	if got := f.FilterLocal("", all); len(got) != 3 {
		t.Errorf("router mapping unknown: offered %v, want all three", got)
	}
	// Two public peers saw two different ports: a port-changing router.
	h.nat.add(peer.ID("a"), ma.StringCast("/ip4/1.2.3.4/udp/40000"))
	h.nat.add(peer.ID("b"), ma.StringCast("/ip4/1.2.3.4/udp/40001"))
	if h.Mapping() != MappingChangesPorts {
		t.Fatalf("mapping %v", h.Mapping())
	}
	if got := f.FilterLocal("", all); len(got) != 1 || !got[0].Equal(v6) {
		t.Errorf("no forwarding: offered %v, want only %v", got, v6)
	}
	// Now the router forwards local UDP port 4001.
	pm := portmap.NewManager(testLogger(), portmap.Auto, func(context.Context) (portmap.Gateway, error) { return fixedGateway{}, nil })
	defer pm.Close()
	pm.Want([]portmap.Port{{Proto: "udp", Port: 4001}})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	pm.WaitMapped(ctx)
	h.portmap = pm
	defer func() { h.portmap = nil }()
	got := f.FilterLocal("", all)
	if len(got) != 2 || !got[0].Equal(forwarded) || !got[1].Equal(v6) {
		t.Errorf("with port 4001 forwarded: offered %v, want %v and %v", got, forwarded, v6)
	}
}
