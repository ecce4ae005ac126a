//go:build linux

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
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	w := newWorld(t, netlab.Options{Nodes: 2, IPv6: true,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Hard}, {Name: "helper", NAT: netlab.Hard}}})
	n := w.startNovice("novice", nil, nil)
	start := time.Now()
	h := w.startHelper("helper", n.file, nil, nil)
	_, remote := acceptDirect(t, n, h, start, 30*time.Second)
	want := regexp.MustCompile(`^/ip6/` + regexp.QuoteMeta(w.lab.HostIP6("novice")) + `/`)
	if !want.MatchString(remote) {
		t.Errorf("session runs over %s, want the novice's IPv6 address %s", remote, w.lab.HostIP6("novice"))
	}
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)
	if err := h.WriteLine("hello over IPv6"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Bob: hello over IPv6`, 10*time.Second)
}
