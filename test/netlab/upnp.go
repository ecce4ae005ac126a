//go:build linux

package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// A home with HomeSpec.UPnP runs Debian's miniupnpd (nftables build) in its
// router: UPnP IGD on the LAN at :5000 and NAT-PMP/PCP at :5351
// (RECIPES.md §E).
//
// miniupnpd 2.3.1 refuses to forward ports when its WAN address is in a
// documentation range, and the simulated internet is one. Its STUN check is
// the way round, a supported configuration: with ext_perform_stun it asks a
// STUN server (Debian's stund, in the internet namespace on stunIP and
// stunAltIP) whether anything in front of it filters, and when nothing does
// it forwards ports and announces the STUN-seen address as its own.

const (
	stunIP    = "203.0.113.8"
	stunAltIP = "203.0.113.9" // stund needs a second address for CHANGE-REQUEST
)

// miniupnpdTable is miniupnpd's nftables table and chains. Debian's
// nft_init.sh does not work (RECIPES.md §E), so the lab makes them. The
// forward chain only jumps to miniupnpd's; iptables' own FORWARD chain
// (policy DROP) lets DNATed packets through.
const miniupnpdTable = `table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`

func (l *Lab) anyUPnP() bool {
	for _, h := range l.homes {
		if h.upnp {
			return true
		}
	}
	return false
}

// startUPnP starts the STUN server, then miniupnpd in every UPnP router,
// and waits until each forwards ports.
func (l *Lab) startUPnP() error {
	if !l.anyUPnP() {
		return nil
	}
	for _, tool := range []string{"miniupnpd", "stund", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (scripts/install-deps.sh installs miniupnpd-nftables, stun-server and nftables): %v", tool, err)
		}
	}
	if err := ipBatch(l.inet, fmt.Sprintf("addr add %s/24 dev br0\naddr add %s/24 dev br0\n", stunIP, stunAltIP)); err != nil {
		return err
	}
	stund := l.Start(l.inet, "stund", []string{"-h", stunIP, "-a", stunAltIP}, nil)
	// miniupnpd exits when its STUN check meets a closed port.
	if err := waitUntil(10*time.Second, func() bool {
		out, _ := l.exec(l.inet, nil, "ss", "-Hlun")
		return strings.Contains(out, stunAltIP+":3479")
	}); err != nil {
		return fmt.Errorf("stund did not open its ports: %v\n%s", err, stund.Output())
	}
	var daemons []*Proc
	for _, h := range l.homes {
		if !h.upnp {
			continue
		}
		if out, err := l.exec(h.router, strings.NewReader(miniupnpdTable), "nft", "-f", "-"); err != nil {
			return fmt.Errorf("making miniupnpd's nftables table in %s: %v: %s", h.router, err, out)
		}
		conf := filepath.Join(l.logDir, "miniupnpd-"+h.name+".conf")
		if err := os.WriteFile(conf, []byte(miniupnpdConf(h)), 0o644); err != nil {
			return err
		}
		p := l.Start(h.router, "miniupnpd", []string{"-d", "-f", conf,
			"-P", filepath.Join(l.logDir, "miniupnpd-"+h.name+".pid")}, nil)
		daemons = append(daemons, p)
	}
	ready := regexp.MustCompile(`Port forwarding is now enabled`)
	for _, p := range daemons {
		if _, err := p.WaitFor(ready, 15*time.Second); err != nil {
			return fmt.Errorf("miniupnpd in %s does not forward ports: %v", p.NS, err)
		}
	}
	for _, h := range l.homes {
		if h.upnp {
			if err := waitUntil(10*time.Second, func() bool {
				out, _ := l.exec(h.router, nil, "ss", "-Hltn")
				return strings.Contains(out, ":5000 ")
			}); err != nil {
				return fmt.Errorf("miniupnpd in %s does not serve UPnP on port 5000: %v", h.router, err)
			}
		}
	}
	return nil
}

func miniupnpdConf(h *home) string {
	lan := strings.TrimSuffix(h.lanIP, ".1") + ".0/24"
	return fmt.Sprintf(`ext_ifname=wan
listening_ip=lan
http_port=5000
enable_natpmp=yes
enable_upnp=yes
secure_mode=yes
ext_perform_stun=yes
ext_stun_host=%s
ext_stun_port=3478
allow 1024-65535 %s 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
`, stunIP, lan)
}

// Forwardings lists the port forwardings miniupnpd keeps in home's router
// now (its DNAT rules), e.g. "udp dport 4001 dnat ip to 192.168.1.2:4001".
// A home without UPnP has none.
func (l *Lab) Forwardings(home string) ([]string, error) {
	h, err := l.findHome(home)
	if err != nil {
		return nil, err
	}
	if !h.upnp {
		return nil, nil
	}
	out, err := l.exec(h.router, nil, "nft", "list", "chain", "inet", "filter", "prerouting_miniupnpd")
	if err != nil {
		return nil, fmt.Errorf("netlab: listing forwardings in %s: %v: %s", h.router, err, out)
	}
	var rules []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "dnat") {
			rules = append(rules, strings.TrimSpace(line))
		}
	}
	return rules, nil
}

func waitUntil(d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}
