package p2p

import (
	"log/slog"
	"net"
	"sync"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Some home routers have no input firewall: a packet to the router's own
// address that no flow expects is answered (ICMP port unreachable) instead
// of dropped, and Linux's conntrack remembers it as a flow to the router.
// When the peer's first hole-punching packet arrives before our own has left,
// our later packet with the same addresses and ports is given another port
// by our router, and DCUtR's simultaneous open fails (issue 15: 0 of 4 with
// two such routers and no delay between them). So as soon as DCUtR tells us
// the peer's addresses, before either side punches, we send one packet with
// a TTL of 2 from each IPv4 QUIC socket to each of the peer's public IPv4
// QUIC addresses: it passes our router, which opens the flow with our
// port, and dies at the first router of the internet, before it can reach
// the peer's router and do the same harm there. When the peer's first packet
// arrives, the flow is already there.
const openerTTL = 2

// openerPayload starts with a zero byte: quic-go does not take it for QUIC
// and drops it, should it reach a peer on the same network.
const openerPayload = "\x00ra-p2p open"

// quicSockets keeps the UDP sockets libp2p's QUIC transport listens on,
// made by its ListenUDP (quicreuse.OverrideListenUDP), so that packets can
// leave from the same ports as the QUIC connections will.
type quicSockets struct {
	log   *slog.Logger
	mu    sync.Mutex
	conns []*net.UDPConn
}

func (s *quicSockets) listenUDP(network string, laddr *net.UDPAddr) (net.PacketConn, error) {
	c, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c, nil
}

// openMappings sends the opening packets for the peer's addresses remote.
func (s *quicSockets) openMappings(remote []ma.Multiaddr) {
	var dsts []*net.UDPAddr
	for _, a := range remote {
		if _, err := a.ValueForProtocol(ma.P_QUIC_V1); err != nil || !manet.IsPublicAddr(a) {
			continue
		}
		na, err := manet.ToNetAddr(a.Decapsulate(ma.StringCast("/quic-v1")))
		if ua, ok := na.(*net.UDPAddr); err == nil && ok && ua.IP.To4() != nil {
			dsts = append(dsts, ua)
		}
	}
	if len(dsts) == 0 {
		return
	}
	s.mu.Lock()
	conns := append([]*net.UDPConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		if la, ok := c.LocalAddr().(*net.UDPAddr); !ok || la.IP.To4() == nil {
			continue // an IPv6 socket: no NAT, nothing to open
		}
		for _, d := range dsts {
			if err := writeWithTTL(c, []byte(openerPayload), d, openerTTL); err != nil {
				s.log.Debug("opening packet not sent", "to", d, "err", err)
			}
		}
	}
}
