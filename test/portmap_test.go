//go:build linux

package test

import (
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestPortMappingMakesHardRoutersDirect: both routers give a new port to
// every destination, so neither DCUtR nor the birthday punch can work, but
// one router runs miniupnpd. The peer behind it asks for a port forwarding
// (UPnP IGD in one case, NAT-PMP in the other), the session is direct
// through the forwarded port, and the forwarding is gone once the peer has
// exited.
func TestPortMappingMakesHardRoutersDirect(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	cases := []struct {
		name, forwarding, method string
	}{
		{"novice's router forwards with UPnP IGD", "novice", "upnp"},
		{"helper's router forwards with NAT-PMP", "helper", "nat-pmp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			homes := []netlab.HomeSpec{{Name: "novice", NAT: netlab.Hard}, {Name: "helper", NAT: netlab.Hard}}
			for i := range homes {
				homes[i].UPnP = homes[i].Name == tc.forwarding
			}
			w := newWorld(t, netlab.Options{Nodes: 2, Homes: homes})
			args := []string{"--port-mapping", tc.method}
			n := w.startNovice("novice", args, nil)
			start := time.Now()
			h := w.startHelper("helper", n.file, args, nil)
			_, remote := acceptDirect(t, n, h, start, 40*time.Second)
			// Direct between the two routers: the side without forwarding
			// dials the forwarded port, so the helper sees either router.
			direct := regexp.MustCompile(`^/ip4/(` + regexp.QuoteMeta(w.lab.RouterWANIP("novice")) + `|` +
				regexp.QuoteMeta(w.lab.RouterWANIP("helper")) + `)/(udp|tcp)/\d+(/quic-v1)?$`)
			if !direct.MatchString(remote) {
				t.Errorf("session runs over %s, want a direct path between the two routers", remote)
			}
			rules, err := w.lab.Forwardings(tc.forwarding)
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) == 0 {
				t.Error("no forwarding in the router while the session runs")
			}
			t.Logf("forwardings during the session: %q", rules)

			n.proc.Stop()
			h.Stop()
			if rules, err := w.lab.Forwardings(tc.forwarding); err != nil || len(rules) != 0 {
				t.Errorf("forwardings left after both exited: %q (%v)", rules, err)
			}

			// `ra-p2p check` behind the same router says what it allows.
			check := w.lab.Start(w.lab.HostNS(tc.forwarding), binPath,
				append([]string{"check", "--testnet", "--port-mapping", tc.method}, w.bootstrapArgs()...),
				[]string{"XDG_CONFIG_HOME=" + t.TempDir()})
			if code, err := check.Wait(30 * time.Second); err != nil || code != 0 {
				t.Fatalf("check: exit %d, %v\n%s", code, err, check.Output())
			}
			t.Logf("check:\n%s", check.Output())
			want := regexp.MustCompile(`Your router forwards ports on request \(` + map[string]string{"upnp": "UPnP IGD", "nat-pmp": "NAT-PMP"}[tc.method] +
				`\): (TCP|UDP) ` + regexp.QuoteMeta(w.lab.RouterWANIP(tc.forwarding)) + `:\d+ → local port \d+`)
			if !want.MatchString(check.Output()) {
				t.Errorf("check's report lacks %q:\n%s", want, check.Output())
			}
			if rules, err := w.lab.Forwardings(tc.forwarding); err != nil || len(rules) != 0 {
				t.Errorf("forwardings left after check exited: %q (%v)", rules, err)
			}
		})
	}
}
