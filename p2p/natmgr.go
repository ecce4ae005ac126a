package p2p

import (
	"net"
	"strconv"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"
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

func mappablePort(a ma.Multiaddr) (portmap.Port, bool) {
	ipText, err := a.ValueForProtocol(ma.P_IP4)
	if err != nil {
		return portmap.Port{}, false
	}
	if ip := net.ParseIP(ipText); ip == nil || (!ip.IsUnspecified() && !ip.IsGlobalUnicast()) || ip.IsLoopback() {
		return portmap.Port{}, false
	}
	proto, portText := "udp", ""
	if v, err := a.ValueForProtocol(ma.P_UDP); err == nil {
		portText = v
	} else if v, err := a.ValueForProtocol(ma.P_TCP); err == nil {
		proto, portText = "tcp", v
	} else {
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
func (m *natManager) GetMapping(a ma.Multiaddr) ma.Multiaddr {
	p, ok := mappablePort(a)
	if !ok {
		return nil
	}
	ext, ok := m.pm.External(p)
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
