package p2p

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/holepunch"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// Mapping is how a home router maps this host's outgoing connections, as
// seen by several public peers.
type Mapping string

const (
	MappingUnknown      Mapping = "unknown"       // fewer than two public observers so far
	MappingKeepsPorts   Mapping = "keeps-ports"   // every observer saw the same public port: hole punching can work
	MappingChangesPorts Mapping = "changes-ports" // each destination saw another port ("hard" / symmetric NAT)
)

// The NAT report (traversal.NATReportProtocol) lets a helper ask a novice,
// over the relayed connection used to coordinate, how the novice's router
// maps ports, so a failed hole punch can be explained ("Alice's router
// changes ports …"). It carries one small JSON answer and nothing else; with
// the birthday punch's coordination, it is the only protocol served over a
// relayed connection.

// NATReport is what a peer tells about its own network.
type NATReport struct {
	Mapping Mapping
	// IPv6 is true when the peer has a public IPv6 address to listen on:
	// two such peers can still connect directly when both IPv4 routers
	// change ports (the IPv6 firewalls are opened by DCUtR).
	IPv6 bool
	// MappingPending is true while the peer is still asking its router:
	// another round may find it forwarded.
	MappingPending bool
	// ForwardedAddrs are the multiaddrs of the ports the peer's router
	// forwards to it (UPnP IGD, NAT-PMP): the other side dials them
	// directly, whatever either router's mapping. From a peer they are
	// claims: dialForwarded dials only public, direct ones.
	ForwardedAddrs []string
}

// toWire is r as the NAT-report protocol says it.
func (r NATReport) toWire() traversal.NATReport {
	w := traversal.NATReport{Mapping: traversal.MappingUnknown, IPv6: r.IPv6, MappingPending: r.MappingPending, ForwardedAddrs: r.ForwardedAddrs}
	switch r.Mapping {
	case MappingKeepsPorts:
		w.Mapping = traversal.MappingKeepsPorts
	case MappingChangesPorts:
		w.Mapping = traversal.MappingChangesPorts
	}
	return w
}

// natReportFromWire is a peer's report; a mapping it names that is not one
// of the known ones is MappingUnknown.
func natReportFromWire(w traversal.NATReport) NATReport {
	r := NATReport{Mapping: MappingUnknown, IPv6: w.IPv6, MappingPending: w.MappingPending, ForwardedAddrs: w.ForwardedAddrs}
	switch w.Mapping {
	case traversal.MappingKeepsPorts:
		r.Mapping = MappingKeepsPorts
	case traversal.MappingChangesPorts:
		r.Mapping = MappingChangesPorts
	}
	return r
}

// natObserver collects the addresses public peers observe for this host.
type natObserver struct {
	log  *slog.Logger
	sub  event.Subscription
	wg   sync.WaitGroup
	mu   sync.Mutex
	seen map[string]map[peer.ID]string // "ip4/udp" → observer → observed ip:port
}

func newNATObserver(h host.Host, logger *slog.Logger) (*natObserver, error) {
	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		return nil, fmt.Errorf("subscribing to identify events: %w", err)
	}
	o := &natObserver{log: logger, sub: sub, seen: map[string]map[peer.ID]string{}}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for e := range sub.Out() {
			ev := e.(event.EvtPeerIdentificationCompleted)
			o.log.Debug("identified peer", "peer", ev.Peer, "observed", ev.ObservedAddr, "conn", ev.Conn.RemoteMultiaddr())
			if ev.ObservedAddr != nil && !isRelayed(ev.Conn.RemoteMultiaddr()) && manet.IsPublicAddr(ev.Conn.RemoteMultiaddr()) {
				o.add(ev.Peer, ev.ObservedAddr)
			}
		}
	}()
	return o, nil
}

func (o *natObserver) add(observer peer.ID, observed ma.Multiaddr) {
	if !manet.IsPublicAddr(observed) {
		return
	}
	// The thin waist (ip + tcp/udp port) is what the router chose; the
	// rest (/quic-v1, /p2p/…) does not matter here.
	family, ip, network, port, ok := thinWaist(observed)
	if !ok {
		return
	}
	kind := family + "/" + network
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[kind] == nil {
		o.seen[kind] = map[peer.ID]string{}
	}
	o.seen[kind][observer] = net.JoinHostPort(ip, port)
}

// mapping judges the IPv4 mapping: IPv6 homes are not translated.
func (o *natObserver) mapping() Mapping {
	o.mu.Lock()
	defer o.mu.Unlock()
	result := MappingUnknown
	for _, kind := range []string{"ip4/udp", "ip4/tcp"} {
		obs := o.seen[kind]
		if len(obs) < 2 {
			continue
		}
		distinct := map[string]bool{}
		for _, a := range obs {
			distinct[a] = true
		}
		if len(distinct) > 1 {
			return MappingChangesPorts
		}
		result = MappingKeepsPorts
	}
	return result
}

func (o *natObserver) close() {
	o.sub.Close()
	o.wg.Wait()
}

// Mapping reports how this host's router maps ports, from what public peers observed.
func (h *Host) Mapping() Mapping { return h.nat.mapping() }

// PublicIPv6 reports whether the host listens on a public IPv6 address.
// Once a relay reservation exists libp2p announces only relay addresses,
// so the interface addresses are asked, not Addrs.
func (h *Host) PublicIPv6() bool {
	addrs, err := h.h.Network().InterfaceListenAddresses()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_IP6); err == nil && manet.IsPublicAddr(a) {
			return true
		}
	}
	return false
}

// handleNATReport answers a NAT report request: one report, then Close
// (Reset if it cannot be written). It answers anyone who reaches this host
// (what it tells, the peers can mostly see anyway), but each asking peer
// only a few times a second: a helper asks once per attempt, and twice a
// second while this router is still answering a port-mapping request.
func (h *Host) handleNATReport(s network.Stream) {
	if !h.natAsks.allow(s.Conn().RemotePeer(), time.Now()) {
		h.log.Debug("NAT report refused: asked too often", "peer", s.Conn().RemotePeer())
		s.Reset()
		return
	}
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	pm, asked := h.PortMapping()
	r := NATReport{Mapping: h.Mapping(), IPv6: h.PublicIPv6(), MappingPending: asked && !pm.Done}
	for _, a := range h.forwardedAddrs() {
		r.ForwardedAddrs = append(r.ForwardedAddrs, a.String())
	}
	if err := traversal.WriteNATReport(s, r.toWire()); err != nil {
		s.Reset()
		return
	}
	s.Close()
}

// askLimiter allows each peer askBurst asks at once and askRate a second
// after that. It forgets everyone when it knows more than askPeers peers,
// so a flood of peer IDs cannot grow it (they are then merely limited
// again from a fresh start).
type askLimiter struct {
	mu    sync.Mutex
	peers map[peer.ID]*askBucket
}

type askBucket struct {
	tokens float64
	at     time.Time
}

const (
	askBurst = 4
	askRate  = 4.0 // a second
	askPeers = 1024
)

func (l *askLimiter) allow(p peer.ID, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.peers == nil || len(l.peers) > askPeers {
		l.peers = map[peer.ID]*askBucket{}
	}
	b, ok := l.peers[p]
	if !ok {
		b = &askBucket{tokens: askBurst, at: now}
		l.peers[p] = b
	}
	b.tokens = min(askBurst, b.tokens+now.Sub(b.at).Seconds()*askRate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// PeerMapping asks p (over any connection, relayed included) how its router
// maps ports. It returns MappingUnknown when p does not answer.
func (h *Host) PeerMapping(ctx context.Context, p peer.ID) Mapping {
	return h.PeerNATReport(ctx, p).Mapping
}

// PeerNATReport asks p (over any connection, relayed included) about its
// network. Mapping is MappingUnknown when p does not answer.
func (h *Host) PeerNATReport(ctx context.Context, p peer.ID) NATReport {
	unknown := NATReport{Mapping: MappingUnknown}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := h.h.NewStream(network.WithAllowLimitedConn(network.WithNoDial(ctx, "nat report"), "nat report"), p, traversal.NATReportProtocol)
	if err != nil {
		h.log.Debug("asking the peer for its NAT report", "err", err)
		return unknown
	}
	_ = s.SetDeadline(time.Now().Add(3 * time.Second))
	w, err := traversal.ReadNATReport(s)
	if err != nil {
		h.log.Debug("reading the peer's NAT report", "err", err)
		s.Reset()
		return unknown
	}
	s.Close()
	return natReportFromWire(w)
}

// punchTracer keeps the last hole-punch outcome for diagnostics.
type punchTracer struct {
	mu       sync.Mutex
	attempts int
	lastErr  string
}

func (t *punchTracer) Trace(evt *holepunch.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e := evt.Evt.(type) {
	case *holepunch.HolePunchAttemptEvt:
		t.attempts++
	case *holepunch.EndHolePunchEvt:
		if !e.Success {
			t.lastErr = e.Error
		}
	}
}

// PunchAttempts reports how many hole-punch attempts were made and the last error.
func (h *Host) PunchAttempts() (int, string) {
	h.punches.mu.Lock()
	defer h.punches.mu.Unlock()
	return h.punches.attempts, h.punches.lastErr
}
