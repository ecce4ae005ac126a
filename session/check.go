package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/p2p/portmap"
)

// CheckConfig describes a network check (`ra-p2p check`, the windows' Help
// page).
type CheckConfig struct {
	Bootstrap   []peer.AddrInfo // the public nodes to ask
	Listen      []string        // nil = random ports (a session's may be taken)
	PortMapping portmap.Method
	Logger      *slog.Logger
	Verbose     bool // also list every address the nodes saw
}

// NetworkReport runs the check with a host of its own and says what it
// found in sentences; err (a *Failure) when nothing could be learned.
func NetworkReport(ctx context.Context, cfg CheckConfig) (string, error) {
	bootstrap, listen, portMapping, logger, verbose := cfg.Bootstrap, cfg.Listen, cfg.PortMapping, cfg.Logger, cfg.Verbose
	key, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		return "", fmt.Errorf("making a key for the check: %w", err)
	}
	h, err := p2p.New(p2p.Config{Identity: key, Listen: listen, Bootstrap: bootstrap, Logger: logger, PortMapping: portMapping})
	if err != nil {
		return "", fmt.Errorf("starting networking: %w", err)
	}
	defer h.Close()
	if err := h.Bootstrap(ctx); err != nil {
		msg := "No public node answered, so nothing could be learned about this network. Check your internet connection (and --bootstrap), then try again."
		return "", &Failure{Err: err, Message: msg}
	}
	c := h.CheckNetwork(ctx)
	var b strings.Builder
	if verbose {
		for _, s := range c.Seen {
			b.WriteString("  seen " + s + "\n")
		}
	}
	pm, asked := h.WaitPortMapping(ctx)
	forwarded := len(pm.Mapped) > 0
	details := b.String() + explainCheck(c, forwarded) + explainPortMapping(pm, asked, portMapping)
	b.Reset()
	b.WriteString(checkSummary(c, forwarded) + "\n\nThe details:\n" + details)
	if c.Observers == 0 {
		msg := "No public node reported the address it sees, so nothing could be learned about this network. Try again in a minute."
		return b.String(), &Failure{Err: errors.New("no observed addresses"), Message: msg}
	}
	return b.String(), nil
}

// checkSummary is the one plain sentence a check leads with; the details
// (addresses, router behaviour, UPnP and NAT-PMP) follow it.
func checkSummary(c p2p.NetworkCheck, forwarded bool) string {
	switch {
	case c.Observers == 0:
		return "Nothing could be learned about this network: no public computer answered."
	case c.Mapping == p2p.MappingKeepsPorts || forwarded:
		return "Good: other people can connect to this computer directly from almost anywhere."
	case c.Mapping == p2p.MappingChangesPorts && len(c.IPv6) > 0:
		return "Direct connections work with most people, but not with someone whose router is as strict as this one, unless they too have IPv6."
	case c.Mapping == p2p.MappingChangesPorts:
		return "Direct connections work with most people, but not with someone whose router is as strict as this one."
	default:
		return "This network could not be judged fully yet; the details below say what was seen."
	}
}

// explainCheck turns a check into sentences: what was seen, what it means
// for connecting, what the user can change.
func explainCheck(c p2p.NetworkCheck, forwarded bool) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	switch len(c.IPv4) {
	case 0:
		line("No public IPv4 address was seen.")
	case 1:
		line("Public IPv4 address: %s (seen by %d public node%s).", c.IPv4[0], c.Observers, plural(c.Observers, "", "s"))
	default:
		line("Public IPv4 addresses: %s (your network uses more than one).", strings.Join(c.IPv4, ", "))
	}
	if len(c.IPv6) > 0 {
		line("Public IPv6 address: %s.", strings.Join(c.IPv6, ", "))
	} else {
		line("No public IPv6 address was seen (this network or its provider may not offer IPv6).")
	}
	switch c.Mapping {
	case p2p.MappingKeepsPorts:
		line("Your router keeps the same public port whatever the destination, which is what hole punching needs.")
		line("What this means: you can be reached directly. ra-p2p connects directly to people behind ordinary home routers, and also to people whose router changes ports (by probing many ports).")
	case p2p.MappingChangesPorts:
		line("Your router gives a new public port to every destination (a \"hard\" or symmetric NAT).")
		if forwarded {
			line("What this means: hole punching cannot work through it, but your router forwards a port to ra-p2p on request (below), so others can still connect to you directly.")
			break
		}
		line("What this means: direct connections need the other side's router to keep ports, as most home routers do (ra-p2p then finds a way through by probing many ports), or both of you to have IPv6. Two routers like yours cannot connect directly: then use another network (a phone's hotspot, for example).")
	default:
		line("Whether your router keeps ports could not be judged: fewer than two public nodes reported what they see. Try again in a minute, or give more --bootstrap nodes.")
	}
	return b.String()
}

// explainPortMapping says whether the router forwards ports on request.
func explainPortMapping(s portmap.Status, asked bool, method portmap.Method) string {
	switch {
	case method == portmap.Off:
		return "Port mapping (UPnP IGD, NAT-PMP) was not tried (--port-mapping off).\n"
	case !asked:
		return "Port mapping (UPnP IGD, NAT-PMP) was not tried: every bootstrap node is on this computer or its local network.\n"
	case len(s.Mapped) > 0:
		var addrs []string
		for p, a := range s.Mapped {
			addrs = append(addrs, fmt.Sprintf("%s %s → local port %d", strings.ToUpper(p.Proto), a, p.Port))
		}
		slices.Sort(addrs)
		return fmt.Sprintf("Your router forwards ports on request (%s): %s.\n"+
			"What this means: others can connect to you directly whatever their router does; ra-p2p removes the forwarding when it ends.\n",
			s.Method, strings.Join(addrs, "; "))
	case s.Method != "":
		return fmt.Sprintf("Your router answers %s but refused to forward a port (%v).\n", s.Method, s.Err)
	case !s.Done:
		return "Your router did not answer port-mapping requests (UPnP IGD, NAT-PMP) in time.\n"
	case method == portmap.UPnP:
		return "Your router did not answer UPnP IGD requests (it may be switched off in its settings, or the router may speak NAT-PMP only: try --port-mapping auto).\n"
	case method == portmap.NATPMP:
		return "Your router did not answer NAT-PMP requests (it may be switched off in its settings, or the router may speak UPnP only: try --port-mapping auto).\n"
	default:
		return "Your router does not forward ports on request: it answered neither UPnP IGD nor NAT-PMP (they may be switched off in its settings; switching one on helps when your router changes ports).\n"
	}
}
