package session

import (
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/p2p"
)

// TestCheckLeadsWithOnePlainSentence: the check's first words are for
// anyone (no "UPnP", "NAT" or flags); the details come after.
func TestCheckLeadsWithOnePlainSentence(t *testing.T) {
	cases := map[string]struct {
		c         p2p.NetworkCheck
		forwarded bool
		says      string
	}{
		"a router that keeps ports":            {p2p.NetworkCheck{Observers: 2, Mapping: p2p.MappingKeepsPorts}, false, "Good:"},
		"a strict router that forwards a port": {p2p.NetworkCheck{Observers: 2, Mapping: p2p.MappingChangesPorts}, true, "Good:"},
		"a strict router":                      {p2p.NetworkCheck{Observers: 2, Mapping: p2p.MappingChangesPorts}, false, "not with someone whose router is as strict"},
		"nobody answered":                      {p2p.NetworkCheck{}, false, "Nothing could be learned"},
		"too few observers":                    {p2p.NetworkCheck{Observers: 1, Mapping: p2p.MappingUnknown}, false, "could not be judged fully"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := checkSummary(tc.c, tc.forwarded)
			if !strings.Contains(s, tc.says) {
				t.Errorf("summary %q does not say %q", s, tc.says)
			}
			for _, jargon := range []string{"UPnP", "NAT", "--", "IGD", "port mapping"} {
				if strings.Contains(s, jargon) {
					t.Errorf("summary %q speaks of %q", s, jargon)
				}
			}
			if strings.Count(s, ". ") > 0 {
				t.Errorf("summary %q is more than one sentence", s)
			}
		})
	}
}
