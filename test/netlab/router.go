//go:build linux

package netlab

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// Comments on the ACCT rules; RouterBytes sums the counters by comment.
const (
	acctToHome   = "to-home"
	acctFromHome = "from-home"
	acctToNode   = "to-node"
	acctFromNode = "from-node"
)

// Only the LAN is translated: the router's own packets (miniupnpd's STUN
// check) keep their ports, as on a real router with a public address.
func masquerade(kind NATKind) string {
	if kind == Hard {
		return "-A POSTROUTING -s 192.168.0.0/16 -o wan -j MASQUERADE --random-fully"
	}
	return "-A POSTROUTING -s 192.168.0.0/16 -o wan -j MASQUERADE"
}

// routerRules is the iptables-restore input for home h's router
// (RECIPES.md §A).
func (l *Lab) routerRules(h *home) string {
	var b strings.Builder
	// The homes share one bridge, but on the internet at least one router
	// lies between two homes: a packet that left the other home's router
	// with a TTL of 1 would have expired there. Dropped before conntrack
	// sees it, as it would never have arrived.
	b.WriteString("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i wan -m ttl --ttl-lt 2 -j DROP\nCOMMIT\n")
	b.WriteString("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
	b.WriteString(masquerade(h.nat) + "\nCOMMIT\n")

	b.WriteString("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:" + acctChain + " - [0:0]\n")
	b.WriteString("-A FORWARD -j " + acctChain + "\n")
	b.WriteString("-A FORWARD -i lan -o wan -j ACCEPT\n")
	b.WriteString("-A FORWARD -i wan -o lan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n")
	if h.upnp { // what miniupnpd forwards
		b.WriteString("-A FORWARD -i wan -o lan -m conntrack --ctstate DNAT -j ACCEPT\n")
	}
	b.WriteString("-A INPUT -i lo -j ACCEPT\n")
	b.WriteString("-A INPUT -i lan -j ACCEPT\n")
	b.WriteString("-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n")
	if h.answer {
		b.WriteString("-A INPUT -i wan -j ACCEPT\n")
	}
	if h.upnp {
		// miniupnpd's STUN check asks for answers from the STUN server's
		// other address and port: they are not replies to conntrack.
		fmt.Fprintf(&b, "-A INPUT -i wan -p udp -s %s -j ACCEPT\n-A INPUT -i wan -p udp -s %s -j ACCEPT\n", stunIP, stunAltIP)
	}
	// Counting rules have no target. FORWARD sees outbound packets before
	// SNAT (source is the LAN host) and inbound ones after de-NAT, so the
	// remote address is the destination going out and the source coming in.
	count := func(dir, ip, comment string) {
		fmt.Fprintf(&b, "-A %s %s -m comment --comment %s\n", acctChain, dir+" "+ip+"/32", comment)
	}
	for _, o := range l.homes {
		if o != h {
			count("-o wan -d", o.wanIP, acctToHome)
			count("-i wan -s", o.wanIP, acctFromHome)
		}
	}
	for i := range l.nodes {
		count("-o wan -d", nodeIP(i), acctToNode)
		count("-i wan -s", nodeIP(i), acctFromNode)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// SetNAT switches home's router to kind and flushes that router's whole
// conntrack table, so that new flows get the new mapping. Restart the
// programs in the home afterwards if they keep long-lived flows.
func (l *Lab) SetNAT(home string, kind NATKind) error {
	h, err := l.findHome(home)
	if err != nil {
		return err
	}
	if kind != Cone && kind != Hard {
		return fmt.Errorf("netlab: unknown NAT kind %v", kind)
	}
	args := append([]string{"iptables", "-t", "nat", "-R", "POSTROUTING", "1"}, strings.Fields(masquerade(kind))[2:]...)
	if out, err := l.exec(h.router, nil, args...); err != nil {
		return fmt.Errorf("netlab: setting %v NAT in %s: %v: %s", kind, h.router, err, out)
	}
	l.mu.Lock()
	h.nat = kind
	l.mu.Unlock()
	if out, err := l.exec(h.router, nil, "conntrack", "-F"); err != nil {
		return fmt.Errorf("netlab: flushing conntrack in %s: %v: %s", h.router, err, out)
	}
	return nil
}

// NAT is home's current NAT kind.
func (l *Lab) NAT(home string) NATKind {
	l.tb.Helper()
	h := l.home(home)
	l.mu.Lock()
	defer l.mu.Unlock()
	return h.nat
}

// FlushConntrack deletes, in every router, the conntrack entries to and from
// the other routers' WAN addresses: the flows between homes. Flows between a
// home and the public nodes are kept. Failures are reported with tb.Errorf.
func (l *Lab) FlushConntrack() {
	var wg sync.WaitGroup
	for _, h := range l.homes {
		for _, o := range l.homes {
			if o == h {
				continue
			}
			for _, dir := range []string{"-d", "-s"} {
				wg.Go(func() {
					out, err := l.exec(h.router, nil, "conntrack", "-D", dir, o.wanIP)
					var exit *exec.ExitError
					if errors.As(err, &exit) && exit.ExitCode() == 1 && strings.Contains(out, "0 flow entries") {
						err = nil // nothing to delete
					}
					if err != nil {
						l.tb.Errorf("netlab: conntrack -D %s %s in %s: %v: %s", dir, o.wanIP, h.router, err, out)
					}
				})
			}
		}
	}
	wg.Wait()
}

// Bytes are the IP bytes (headers included) a router forwarded, by remote
// party, since the lab started or the last ResetCounters.
type Bytes struct {
	// ToOtherHome: from this home to the other routers' WAN addresses.
	ToOtherHome uint64
	// FromOtherHome: from the other routers' WAN addresses into this home.
	FromOtherHome uint64
	// ToNodes: from this home to the public nodes.
	ToNodes uint64
	// FromNodes: from the public nodes into this home.
	FromNodes uint64
}

// RouterBytes reads home's router's ACCT counters (iptables -nvxL ACCT).
func (l *Lab) RouterBytes(home string) (Bytes, error) {
	h, err := l.findHome(home)
	if err != nil {
		return Bytes{}, err
	}
	out, err := l.exec(h.router, nil, "iptables", "-nvxL", acctChain)
	if err != nil {
		return Bytes{}, fmt.Errorf("netlab: reading counters in %s: %v: %s", h.router, err, out)
	}
	return parseAcct(out)
}

// parseAcct sums the bytes column of `iptables -nvxL ACCT` by rule comment.
func parseAcct(out string) (Bytes, error) {
	var b Bytes
	seen := 0
	for _, line := range strings.Split(out, "\n") {
		i := strings.Index(line, "/* ")
		j := strings.Index(line, " */")
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return Bytes{}, fmt.Errorf("netlab: parsing counter line %q: %w", line, err)
		}
		seen++
		switch line[i+3 : j] {
		case acctToHome:
			b.ToOtherHome += n
		case acctFromHome:
			b.FromOtherHome += n
		case acctToNode:
			b.ToNodes += n
		case acctFromNode:
			b.FromNodes += n
		default:
			seen--
		}
	}
	if seen == 0 && strings.Count(out, "\n") > 2 {
		return Bytes{}, fmt.Errorf("netlab: no counting rules in:\n%s", out)
	}
	return b, nil
}

// ResetCounters zeroes the ACCT counters of every router. Failures are
// reported with tb.Errorf.
func (l *Lab) ResetCounters() {
	for _, h := range l.homes {
		if out, err := l.exec(h.router, nil, "iptables", "-Z", acctChain); err != nil {
			l.tb.Errorf("netlab: zeroing counters in %s: %v: %s", h.router, err, out)
		}
	}
}
