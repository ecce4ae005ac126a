package p2p

import (
	"context"
	"net"
	"slices"
	"strings"
	"time"
)

// NetworkCheck is what public peers saw of this host: the material of
// `ra-p2p check`, a plain account of what the network allows.
type NetworkCheck struct {
	// IPv4 and IPv6 are the public addresses public peers saw this host
	// come from (sorted, distinct).
	IPv4, IPv6 []string
	// Mapping is how the router maps ports (IPv4), judged from two or more
	// public peers' observations.
	Mapping Mapping
	// Observers is how many public peers reported an address.
	Observers int
	// Seen lists each observation as "transport: address (by peer)".
	Seen []string
}

// CheckNetwork waits (at most until ctx ends) until at least two public
// peers have reported the address they see for this host over UDP and the
// mapping can be judged, then reports. Bootstrap must have been called.
func (h *Host) CheckNetwork(ctx context.Context) NetworkCheck {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for h.nat.mapping() == MappingUnknown {
		select {
		case <-ctx.Done():
			return h.nat.check()
		case <-t.C:
		}
	}
	// A moment more for the other transport's and family's observations.
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
	return h.nat.check()
}

func (o *natObserver) check() NetworkCheck {
	c := NetworkCheck{Mapping: o.mapping()}
	o.mu.Lock()
	defer o.mu.Unlock()
	observers := map[string]bool{}
	for kind, obs := range o.seen {
		for p, addr := range obs {
			observers[p.String()] = true
			id := p.String()
			c.Seen = append(c.Seen, kind+": "+addr+" (by node …"+id[max(0, len(id)-6):]+")")
			host, _, _ := net.SplitHostPort(addr)
			if strings.HasPrefix(kind, "ip6") {
				c.IPv6 = append(c.IPv6, host)
			} else {
				c.IPv4 = append(c.IPv4, host)
			}
		}
	}
	c.Observers = len(observers)
	slices.Sort(c.Seen)
	slices.Sort(c.IPv4)
	slices.Sort(c.IPv6)
	c.IPv4, c.IPv6 = slices.Compact(c.IPv4), slices.Compact(c.IPv6)
	return c
}
