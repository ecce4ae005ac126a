//go:build linux

package test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestCheckSaysWhatTheNetworkAllows runs `ra-p2p check` behind an ordinary
// router (keeps ports) and a hard one (a new port per destination), with
// two public nodes to observe: each gets its public address and a plain
// account of what it means, within the timeout; with no node reachable the
// check says so and exits non-zero.
func TestCheckSaysWhatTheNetworkAllows(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	w := newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "cone", NAT: netlab.Cone}, {Name: "hard", NAT: netlab.Hard}}})
	cases := []struct {
		home string
		want []string
	}{
		{"cone", []string{
			`Public IPv4 address: 203\.0\.113\.100 \(seen by 2 public nodes\)\.`,
			`Your router keeps the same public port whatever the destination`,
			`you can be reached directly`,
			`Your router does not forward ports on request: it answered neither UPnP IGD nor NAT-PMP`,
		}},
		{"hard", []string{
			`Public IPv4 address: 203\.0\.113\.101 \(seen by 2 public nodes\)\.`,
			`Your router gives a new public port to every destination`,
			`direct connections need the other side's router to keep ports`,
			`use another network`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.home, func(t *testing.T) {
			start := time.Now()
			args := append([]string{"check", "--testnet", "--verbose"}, w.bootstrapArgs()...)
			p := w.lab.Start(w.lab.HostNS(tc.home), binPath, args, []string{"XDG_CONFIG_HOME=" + t.TempDir()})
			code, err := p.Wait(30 * time.Second)
			if err != nil {
				t.Fatalf("check did not finish within 30 s: %v\n%s", err, p.Output())
			}
			t.Logf("check took %v:\n%s", time.Since(start).Round(time.Millisecond), p.Output())
			if code != 0 {
				t.Errorf("check exited %d", code)
			}
			for _, re := range tc.want {
				if !regexp.MustCompile(re).MatchString(p.Output()) {
					t.Errorf("check's report lacks %q", re)
				}
			}
		})
	}
	t.Run("no node answers", func(t *testing.T) {
		// A bootstrap address where nothing listens.
		boot := strings.Replace(w.bootstrap[0], "/4001/", "/4999/", 1)
		p := w.lab.Start(w.lab.HostNS("cone"), binPath, []string{"check", "--testnet", "--timeout", "5s", "--bootstrap", boot},
			[]string{"XDG_CONFIG_HOME=" + t.TempDir()})
		code, err := p.Wait(20 * time.Second)
		if err != nil {
			t.Fatalf("check did not give up: %v\n%s", err, p.Output())
		}
		if code == 0 || !strings.Contains(p.Output(), "No public node answered") {
			t.Errorf("exit %d, want non-zero and a plain sentence:\n%s", code, p.Output())
		}
	})
}
