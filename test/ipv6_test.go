package test

import (
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestIPv6WhenBothIPv4RoutersAreHard: both homes are dual-stack; their IPv4
// routers give a new port to every destination (no IPv4 hole punch can
// work), their IPv6 has no NAT but a home firewall that lets only replies
// in. The session must still be direct, over IPv6 (DCUtR opens both
// firewalls by dialling from both sides at once).
func TestIPv6WhenBothIPv4RoutersAreHard(t *testing.T) {
	w := newWorld(t, netlab.Options{Nodes: 2, IPv6: true,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Hard}, {Name: "helper", NAT: netlab.Hard}}})
	n := w.startNovice("novice", nil, nil)
	start := time.Now()
	h := w.startHelper("helper", n.file, nil, nil)
	mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, 30*time.Second)
	took := time.Since(start) // the novice is asked once the session connection is direct
	if err := n.proc.WriteLine("y"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Connected to Alice`, 10*time.Second)
	m := mustWait(t, h, `Direct connection: (\S+)`, 5*time.Second)
	t.Logf("direct and authenticated after %v over %s", took.Round(time.Millisecond), m[1])
	want := regexp.MustCompile(`^/ip6/` + regexp.QuoteMeta(w.lab.HostIP6("novice")) + `/`)
	if !want.MatchString(m[1]) {
		t.Errorf("session runs over %s, want the novice's IPv6 address %s", m[1], w.lab.HostIP6("novice"))
	}
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)
	if err := h.WriteLine("hello over IPv6"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Bob: hello over IPv6`, 10*time.Second)
}
