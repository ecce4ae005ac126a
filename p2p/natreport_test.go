package p2p

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// TestNATObserverMapping feeds the observer what identify would report.
// The addresses are public-looking data only (never dialed); 203.0.113.0/24
// would need EnableTestnetRanges, which changes process-wide state that
// running hosts read.
func TestNATObserverMapping(t *testing.T) {
	type seen struct {
		observer string // a name, turned into a peer ID
		addr     string
	}
	cases := map[string]struct {
		seen []seen
		want Mapping
	}{
		"nothing observed": {nil, MappingUnknown},
		"one observer": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingUnknown},
		"one observer seen twice is still one": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingUnknown},
		"two observers, same QUIC port": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingKeepsPorts},
		"two observers, different QUIC ports": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/50123/quic-v1"},
		}, MappingChangesPorts},
		"two observers, same TCP port": {[]seen{
			{"a", "/ip4/1.2.3.4/tcp/4001"},
			{"b", "/ip4/1.2.3.4/tcp/4001"},
		}, MappingKeepsPorts},
		"two observers, different TCP ports": {[]seen{
			{"a", "/ip4/1.2.3.4/tcp/4001"},
			{"b", "/ip4/1.2.3.4/tcp/4002"},
		}, MappingChangesPorts},
		"a trailing /p2p/ID does not matter": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingKeepsPorts},
		"one QUIC and one TCP observer are not two of a kind": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/tcp/5001"},
		}, MappingUnknown},
		"QUIC keeps ports, TCP changes them": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"a", "/ip4/1.2.3.4/tcp/5001"},
			{"b", "/ip4/1.2.3.4/tcp/5002"},
		}, MappingChangesPorts},
		"QUIC changes ports, TCP keeps them": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4002/quic-v1"},
			{"a", "/ip4/1.2.3.4/tcp/5001"},
			{"b", "/ip4/1.2.3.4/tcp/5001"},
		}, MappingChangesPorts},
		"an observer's newest observation replaces its older one": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4002/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingKeepsPorts},
		"loopback and private observations are ignored": {[]seen{
			{"a", "/ip4/1.2.3.4/udp/4001/quic-v1"},
			{"b", "/ip4/127.0.0.1/udp/4002/quic-v1"},
			{"c", "/ip4/192.168.1.20/udp/4003/quic-v1"},
			{"d", "/ip4/10.0.0.7/udp/4004/quic-v1"},
			{"e", "/ip4/100.64.0.1/udp/4005/quic-v1"}, // carrier-grade NAT space
		}, MappingUnknown},
		"documentation ranges are ignored without EnableTestnetRanges": {[]seen{
			{"a", "/ip4/203.0.113.1/udp/4001/quic-v1"},
			{"b", "/ip4/203.0.113.1/udp/4002/quic-v1"},
		}, MappingUnknown},
		"IPv6 is not translated, so it is not judged": {[]seen{
			{"a", "/ip6/2606:4700::1/udp/4001/quic-v1"},
			{"b", "/ip6/2606:4700::1/udp/4002/quic-v1"},
		}, MappingUnknown},
		"addresses without a port are ignored": {[]seen{
			{"a", "/ip4/1.2.3.4"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingUnknown},
		"names are ignored": {[]seen{
			{"a", "/dns4/example.com/udp/4001/quic-v1"},
			{"b", "/ip4/1.2.3.4/udp/4001/quic-v1"},
		}, MappingUnknown},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := &natObserver{log: testLogger(), seen: map[string]map[peer.ID]string{}}
			for _, s := range tc.seen {
				o.add(peer.ID(s.observer), ma.StringCast(s.addr))
			}
			if got := o.mapping(); got != tc.want {
				t.Errorf("mapping() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPeerMapping asks a real peer over loopback. Its observer has seen only
// 127.0.0.1, which is not public, so it knows nothing about its router: the
// answer must be MappingUnknown, read from the peer's own report.
func TestPeerMapping(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	novice := startHost(t, node, true)
	helper := startHost(t, node, false)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := helper.ConnectDirect(ctx, addrInfo(novice), 1); err != nil {
		t.Fatal(err)
	}

	// The report itself, so that "unknown" is the peer's answer and not
	// PeerMapping's fallback when nobody answers.
	s, err := helper.h.NewStream(network.WithNoDial(ctx, "test"), novice.ID(), traversal.NATReportProtocol)
	if err != nil {
		t.Fatalf("opening a NAT report stream: %v", err)
	}
	_ = s.SetDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(io.LimitReader(s, traversal.MaxNATReport+1))
	s.Close()
	if err != nil {
		t.Fatalf("reading the NAT report: %v", err)
	}
	var r traversal.NATReport
	if err := json.Unmarshal(b, &r); err != nil || r.Mapping != traversal.MappingUnknown {
		t.Fatalf("NAT report %q: %+v, %v; want mapping %q", b, r, err, MappingUnknown)
	}
	if r.IPv6 || novice.PublicIPv6() {
		t.Errorf("a host listening on loopback only reports a public IPv6 address (report %q)", b)
	}

	if got := helper.PeerMapping(ctx, novice.ID()); got != MappingUnknown {
		t.Errorf("PeerMapping = %q, want %q", got, MappingUnknown)
	}
	if got := novice.Mapping(); got != MappingUnknown {
		t.Errorf("the novice's own Mapping = %q, want %q", got, MappingUnknown)
	}
	// A peer it has no connection to: PeerMapping never dials.
	if got := helper.PeerMapping(ctx, newKeyID(t)); got != MappingUnknown {
		t.Errorf("PeerMapping of an unconnected peer = %q, want %q", got, MappingUnknown)
	}
}

// TestAskLimiter: a few asks at once, then a few a second, per peer.
func TestAskLimiter(t *testing.T) {
	var l askLimiter
	a, b := newKeyID(t), newKeyID(t)
	now := time.Now()
	for i := range askBurst {
		if !l.allow(a, now) {
			t.Fatalf("ask %d at once refused", i+1)
		}
	}
	if l.allow(a, now) {
		t.Error("an ask over the burst was allowed")
	}
	if !l.allow(b, now) {
		t.Error("another peer was refused because of the first")
	}
	if !l.allow(a, now.Add(time.Second/askRate)) {
		t.Error("an ask after the refill time was refused")
	}
}
