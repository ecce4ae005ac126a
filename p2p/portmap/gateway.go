package portmap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/huin/goupnp/dcps/internetgateway2"
	natpmp "github.com/jackpal/go-nat-pmp"
	"github.com/libp2p/go-netroute"
)

// Gateway is a router that forwards ports on request.
type Gateway interface {
	// Method names the protocol, for people: "UPnP IGD" or "NAT-PMP".
	Method() string
	// Map asks for proto ("udp" or "tcp") traffic to the public address it
	// returns to be forwarded to internalPort on this computer, for about
	// lifetime (a router may grant more, or only permanent mappings).
	Map(ctx context.Context, proto string, internalPort int, lifetime time.Duration) (netip.AddrPort, error)
	// Unmap removes what Map made.
	Unmap(ctx context.Context, proto string, internalPort int, external netip.AddrPort) error
}

// description is what a router's web page lists next to our mappings.
const description = "ra-p2p remote assistance"

// Method selects the protocols Discover tries.
type Method string

const (
	Off    Method = "off"
	Auto   Method = "auto" // both, the first to answer wins
	UPnP   Method = "upnp"
	NATPMP Method = "nat-pmp"
)

// ParseMethod reads a --port-mapping value.
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToLower(s)); m {
	case Off, Auto, UPnP, NATPMP:
		return m, nil
	}
	return "", fmt.Errorf("unknown port-mapping method %q (want auto, upnp, nat-pmp or off)", s)
}

// Discover finds the router and the protocol it answers. With Auto,
// NAT-PMP and UPnP IGD are asked at once and the first to answer wins
// (NAT-PMP answers in milliseconds, UPnP discovery takes a few seconds).
func Discover(ctx context.Context, method Method) (Gateway, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		gw  Gateway
		err error
	}
	results := make(chan result, 2)
	n := 0
	if method == Auto || method == NATPMP {
		n++
		go func() { gw, err := discoverNATPMP(ctx); results <- result{gw, err} }()
	}
	if method == Auto || method == UPnP {
		n++
		go func() { gw, err := discoverUPnP(ctx); results <- result{gw, err} }()
	}
	if n == 0 {
		return nil, fmt.Errorf("port mapping is %s", method)
	}
	var errs []error
	for range n {
		r := <-results
		if r.err == nil {
			return r.gw, nil
		}
		errs = append(errs, r.err)
	}
	return nil, errors.Join(errs...)
}

// defaultGateway is the next hop of the default IPv4 route. The lookup is a
// routing-table query (nothing is sent); its destination only has to be
// outside every local network. libp2p v0.51 asks for 0.0.0.0, which
// go-netroute rejects, so its NAT-PMP never worked on Linux.
func defaultGateway() (net.IP, error) {
	r, err := netroute.New()
	if err != nil {
		return nil, fmt.Errorf("reading the routing table: %w", err)
	}
	_, gw, _, err := r.Route(net.IPv4(192, 0, 2, 1))
	if err != nil {
		return nil, fmt.Errorf("finding the default route: %w", err)
	}
	if gw == nil || gw.To4() == nil {
		return nil, errors.New("no IPv4 default gateway")
	}
	return gw.To4(), nil
}

// natPMPGateway speaks NAT-PMP (RFC 6886), which PCP routers answer too.
type natPMPGateway struct {
	client   *natpmp.Client
	external netip.Addr
}

func discoverNATPMP(ctx context.Context) (Gateway, error) {
	gw, err := defaultGateway()
	if err != nil {
		return nil, fmt.Errorf("NAT-PMP: %w", err)
	}
	// go-nat-pmp takes no context: its timeout bounds each call instead.
	timeout := 2 * time.Second
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), 10*time.Millisecond)
	}
	c := natpmp.NewClientWithTimeout(gw, timeout)
	res, err := c.GetExternalAddress()
	if err != nil {
		return nil, fmt.Errorf("NAT-PMP: asking %s for its public address: %w", gw, err)
	}
	return &natPMPGateway{client: c, external: netip.AddrFrom4(res.ExternalIPAddress)}, nil
}

func (g *natPMPGateway) Method() string { return "NAT-PMP" }

func (g *natPMPGateway) Map(_ context.Context, proto string, internalPort int, lifetime time.Duration) (netip.AddrPort, error) {
	res, err := g.client.AddPortMapping(proto, internalPort, internalPort, int(lifetime/time.Second))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("NAT-PMP mapping %s port %d: %w", proto, internalPort, err)
	}
	return netip.AddrPortFrom(g.external, res.MappedExternalPort), nil
}

func (g *natPMPGateway) Unmap(_ context.Context, proto string, internalPort int, _ netip.AddrPort) error {
	// RFC 6886 §3.4: lifetime 0 and external port 0 delete the mapping.
	if _, err := g.client.AddPortMapping(proto, internalPort, 0, 0); err != nil {
		return fmt.Errorf("NAT-PMP removing %s port %d: %w", proto, internalPort, err)
	}
	return nil
}

// upnpService is what the three IGD connection services have in common.
type upnpService interface {
	AddPortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string,
		internalPort uint16, internalClient string, enabled bool, description string, leaseDuration uint32) error
	DeletePortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string) error
	GetExternalIPAddressCtx(ctx context.Context) (string, error)
	LocalAddr() net.IP
}

type upnpGateway struct {
	svc      upnpService
	external netip.Addr
}

// upnpFound is what one SSDP search for one service type found.
type upnpFound struct {
	svcs []upnpService
	err  error
}

func searchUPnP[T upnpService](ctx context.Context, find func(context.Context) ([]T, []error, error)) upnpFound {
	cs, _, err := find(ctx)
	f := upnpFound{err: err}
	for _, c := range cs {
		f.svcs = append(f.svcs, c)
	}
	return f
}

func discoverUPnP(ctx context.Context) (Gateway, error) {
	ch := make(chan upnpFound, 3)
	go func() { ch <- searchUPnP(ctx, internetgateway2.NewWANIPConnection2ClientsCtx) }()
	go func() { ch <- searchUPnP(ctx, internetgateway2.NewWANIPConnection1ClientsCtx) }()
	go func() { ch <- searchUPnP(ctx, internetgateway2.NewWANPPPConnection1ClientsCtx) }()
	var svcs []upnpService
	var errs []error
	for range 3 {
		f := <-ch
		svcs = append(svcs, f.svcs...)
		if f.err != nil {
			errs = append(errs, f.err)
		}
	}
	for _, s := range svcs {
		ipText, err := s.GetExternalIPAddressCtx(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(ipText))
		if err != nil || !ip.Is4() || ip.IsUnspecified() {
			errs = append(errs, fmt.Errorf("the router reports public address %q", ipText))
			continue
		}
		if s.LocalAddr() == nil {
			errs = append(errs, errors.New("no local address toward the router"))
			continue
		}
		return &upnpGateway{svc: s, external: ip}, nil
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("no router answered"))
	}
	return nil, fmt.Errorf("UPnP IGD: %w", errors.Join(errs...))
}

func (g *upnpGateway) Method() string { return "UPnP IGD" }

func (g *upnpGateway) Map(ctx context.Context, proto string, internalPort int, lifetime time.Duration) (netip.AddrPort, error) {
	client := g.svc.LocalAddr().String()
	lease := uint32(lifetime / time.Second)
	// The same port outside as inside when it is free, else a few others.
	ports := []int{internalPort}
	for i := 1; i <= 3; i++ {
		ports = append(ports, 1024+(internalPort+i*7919)%(65536-1024))
	}
	var lastErr error
	for _, ext := range ports {
		err := g.svc.AddPortMappingCtx(ctx, "", uint16(ext), strings.ToUpper(proto), uint16(internalPort), client, true, description, lease)
		if err != nil && lease != 0 && strings.Contains(err.Error(), "725") {
			// OnlyPermanentLeasesSupported (IGD v1 routers): Close removes it.
			lease = 0
			err = g.svc.AddPortMappingCtx(ctx, "", uint16(ext), strings.ToUpper(proto), uint16(internalPort), client, true, description, lease)
		}
		if err == nil {
			return netip.AddrPortFrom(g.external, uint16(ext)), nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return netip.AddrPort{}, fmt.Errorf("UPnP mapping %s port %d: %w", proto, internalPort, lastErr)
}

func (g *upnpGateway) Unmap(ctx context.Context, proto string, _ int, external netip.AddrPort) error {
	if err := g.svc.DeletePortMappingCtx(ctx, "", external.Port(), strings.ToUpper(proto)); err != nil {
		return fmt.Errorf("UPnP removing %s port %d: %w", proto, external.Port(), err)
	}
	return nil
}
