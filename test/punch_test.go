//go:build linux

package test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestOneHardRouterIsPunched: one router gives a new port to every
// destination (DCUtR cannot cross it), the other keeps ports. The birthday
// punch must give a direct session, router to router, whichever side is
// hard.
func TestOneHardRouterIsPunched(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	cases := map[string]struct{ novice, helper netlab.NATKind }{
		"novice's router is hard": {netlab.Hard, netlab.Cone},
		"helper's router is hard": {netlab.Cone, netlab.Hard},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, netlab.Options{Nodes: 2,
				Homes: []netlab.HomeSpec{{Name: "novice", NAT: tc.novice}, {Name: "helper", NAT: tc.helper}}})
			n := w.startNovice("novice", nil, nil)
			start := time.Now()
			h := w.startHelper("helper", n.file, []string{"--verbose"}, nil)
			_, remote := acceptDirect(t, n, h, start, 30*time.Second)
			punched := regexp.MustCompile(`birthday punch: (the hard side answered|a probe arrived)`)
			if !punched.MatchString(h.Output()) {
				t.Errorf("the helper's log does not show the birthday punch making the connection:\n%s", h.Output())
			}
			if strings.Contains(remote, "p2p-circuit") || !strings.Contains(remote, "/"+w.lab.RouterWANIP("novice")+"/udp/") {
				t.Errorf("session runs over %s, want QUIC to the novice router %s", remote, w.lab.RouterWANIP("novice"))
			}
			if err := h.WriteLine("hello through the punched hole"); err != nil {
				t.Fatal(err)
			}
			mustWait(t, n.proc, `Bob: hello through the punched hole`, 10*time.Second)
			b, err := w.lab.RouterBytes("novice")
			if err != nil {
				t.Fatal(err)
			}
			if b.FromOtherHome == 0 || b.ToOtherHome == 0 {
				t.Errorf("no bytes went router to router: %+v", b)
			}
		})
	}
}
