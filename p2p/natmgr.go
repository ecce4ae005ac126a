package p2p

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	basichost "github.com/libp2p/go-libp2p/p2p/host/basic"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/ra-p2p/ra-p2p/p2p/portmap"
)

// natManager is libp2p's view (basichost.NATManager) of a portmap.Manager:
// it keeps the host's IPv4 listen ports forwarded and tells libp2p the
// public address of each. libp2p's own manager never finds a NAT-PMP router
// on Linux and leaves its mapping behind on exit (RECIPES.md §E).
type natManager struct {
	pm        *portmap.Manager
	net       network.Network
	closeOnce sync.Once
}

var _ basichost.NATManager = (*natManager)(nil)

func newNATManager(pm *portmap.Manager, n network.Network) *natManager {
	m := &natManager{pm: pm, net: n}
	n.Notify((*natNotifiee)(m))
	m.sync()
	return m
}

// sync asks for the IPv4 TCP and UDP ports the host listens on. IPv6 has
// no NAT to map.
func (m *natManager) sync() {
	var ports []portmap.Port
	for _, a := range m.net.ListenAddresses() {
		if p, ok := mappablePort(a); ok {
			ports = append(ports, p)
		}
	}
	m.pm.Want(ports)
}

// thinWaist splits a into IP family ("ip4", "ip6"), IP, transport ("udp",
// "tcp") and port; ok is false for anything else (relayed, DNS, …).
func thinWaist(a ma.Multiaddr) (family, ip, transport, port string, ok bool) {
	family = "ip4"
	ip, err := a.ValueForProtocol(ma.P_IP4)
	if err != nil {
		if ip, err = a.ValueForProtocol(ma.P_IP6); err != nil {
			return "", "", "", "", false
		}
		family = "ip6"
	}
	transport = "udp"
	if port, err = a.ValueForProtocol(ma.P_UDP); err != nil {
		if port, err = a.ValueForProtocol(ma.P_TCP); err != nil {
			return "", "", "", "", false
		}
		transport = "tcp"
	}
	return family, ip, transport, port, true
}

func mappablePort(a ma.Multiaddr) (portmap.Port, bool) {
	family, ipText, proto, portText, ok := thinWaist(a)
	if !ok || family != "ip4" {
		return portmap.Port{}, false
	}
	if ip := net.ParseIP(ipText); ip == nil || (!ip.IsUnspecified() && !ip.IsGlobalUnicast()) || ip.IsLoopback() {
		return portmap.Port{}, false
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port == 0 {
		return portmap.Port{}, false
	}
	return portmap.Port{Proto: proto, Port: port}, true
}

// GetMapping turns a listen address into the public address the router
// forwards to it (nil if none): /ip4/0.0.0.0/udp/4001/quic-v1 becomes
// /ip4/203.0.113.100/udp/4001/quic-v1.
func (m *natManager) GetMapping(a ma.Multiaddr) ma.Multiaddr { return mappedAddr(m.pm, a) }

// forwardedAddrs are the public addresses the router forwards to this
// host's listen addresses (none without port mapping).
func (h *Host) forwardedAddrs() []ma.Multiaddr {
	if h.portmap == nil {
		return nil
	}
	var out []ma.Multiaddr
	for _, a := range h.h.Network().ListenAddresses() {
		if m := mappedAddr(h.portmap, a); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func mappedAddr(pm *portmap.Manager, a ma.Multiaddr) ma.Multiaddr {
	p, ok := mappablePort(a)
	if !ok {
		return nil
	}
	ext, ok := pm.External(p)
	if !ok {
		return nil
	}
	var out ma.Multiaddr
	for i, c := range a {
		switch i {
		case 0:
			ip, err := ma.NewComponent("ip4", ext.Addr().String())
			if err != nil {
				return nil
			}
			out = append(out, *ip)
		case 1:
			port, err := ma.NewComponent(p.Proto, strconv.Itoa(int(ext.Port())))
			if err != nil {
				return nil
			}
			out = append(out, *port)
		default:
			out = append(out, c)
		}
	}
	return out
}

func (m *natManager) HasDiscoveredNAT() bool { return m.pm.Discovered() }

// Close is called by the libp2p host on its way down; the mappings are
// removed by Host.Close through the portmap.Manager.
func (m *natManager) Close() error {
	m.closeOnce.Do(func() { m.net.StopNotify((*natNotifiee)(m)) })
	return nil
}

type natNotifiee natManager

func (n *natNotifiee) Listen(network.Network, ma.Multiaddr)       { (*natManager)(n).sync() }
func (n *natNotifiee) ListenClose(network.Network, ma.Multiaddr)  { (*natManager)(n).sync() }
func (n *natNotifiee) Connected(network.Network, network.Conn)    {}
func (n *natNotifiee) Disconnected(network.Network, network.Conn) {}

// dcutrAddrFilter trims the addresses this host offers in DCUtR. Behind a
// router that changes ports, the IPv4 addresses public peers observed are
// ports that router gave to other destinations: the other side would dial
// them in vain, and a dial pending on them holds each DCUtR attempt until
// its timeout (an IPv6 or forwarded path then waited a second longer).
// Forwarded ports (portmap) and IPv6 are kept.
type dcutrAddrFilter struct {
	host    atomic.Pointer[Host] // set once the Host exists
	sockets *quicSockets
}

func (f *dcutrAddrFilter) FilterLocal(_ peer.ID, addrs []ma.Multiaddr) []ma.Multiaddr {
	h := f.host.Load()
	if h == nil || h.Mapping() != MappingChangesPorts {
		return addrs
	}
	forwarded := map[string]bool{}
	if s, ok := h.PortMapping(); ok {
		for _, ext := range s.Mapped {
			forwarded[ext.String()] = true
		}
	}
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, a := range addrs {
		family, ip, _, port, ok := thinWaist(a)
		if !ok || family != "ip4" {
			out = append(out, a) // IPv6 (or a name): not translated
			continue
		}
		if forwarded[net.JoinHostPort(ip, port)] {
			out = append(out, a)
		}
	}
	h.log.Debug("DCUtR addresses offered", "all", addrs, "offered", out)
	return out
}

// FilterRemote is where DCUtR hands over the peer's addresses, on either
// side, before anyone punches: the moment to open our own router's flows
// (quicSockets.openMappings).
func (f *dcutrAddrFilter) FilterRemote(_ peer.ID, addrs []ma.Multiaddr) []ma.Multiaddr {
	f.sockets.openMappings(addrs)
	return addrs
}
