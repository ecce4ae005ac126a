package p2p_test

import (
	"testing"

	"github.com/ra-p2p/ra-p2p/p2p"
)

func TestParseAddrInfos(t *testing.T) {
	const (
		a = "12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq"
		b = "12D3KooWGA8qrmEAhRWovVrXCjhLn3C81amrhE9j8utUPMb1X6eE"
	)
	good := map[string]struct {
		in    []string
		peers map[string]int // peer ID → number of addresses
	}{
		"nothing": {nil, map[string]int{}},
		"one peer": {
			[]string{"/ip4/127.0.0.1/tcp/4001/p2p/" + a},
			map[string]int{a: 1},
		},
		"two addresses of one peer are merged": {
			[]string{"/ip4/127.0.0.1/tcp/4001/p2p/" + a, "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + a},
			map[string]int{a: 2},
		},
		"two peers": {
			[]string{"/ip4/127.0.0.1/tcp/4001/p2p/" + a, "/ip6/::1/udp/4001/quic-v1/p2p/" + b},
			map[string]int{a: 1, b: 1},
		},
	}
	for name, tc := range good {
		t.Run(name, func(t *testing.T) {
			ais, err := p2p.ParseAddrInfos(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, ai := range ais {
				got[ai.ID.String()] += len(ai.Addrs)
			}
			if len(got) != len(tc.peers) {
				t.Fatalf("got peers %v, want %v", got, tc.peers)
			}
			for id, n := range tc.peers {
				if got[id] != n {
					t.Errorf("peer %s has %d addresses, want %d", id, got[id], n)
				}
			}
		})
	}

	bad := map[string][]string{
		"not a multiaddr":        {"127.0.0.1:4001"},
		"no peer ID":             {"/ip4/127.0.0.1/tcp/4001"},
		"a broken peer ID":       {"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWnotapeerid"},
		"one bad among the good": {"/ip4/127.0.0.1/tcp/4001/p2p/" + a, "/ip4/127.0.0.1/tcp"},
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if ais, err := p2p.ParseAddrInfos(in); err == nil {
				t.Errorf("ParseAddrInfos(%q) = %v, want an error", in, ais)
			}
		})
	}
}
