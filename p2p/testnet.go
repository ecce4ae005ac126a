package p2p

import (
	"net"
	"slices"
	"sync"

	manet "github.com/multiformats/go-multiaddr/net"
)

var testnetOnce sync.Once

// EnableTestnetRanges makes go-multiaddr treat the documentation ranges used
// by the namespace tests (203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32) as
// public. Without it relays hand out no addresses and DCUtR drops every
// candidate (RECIPES.md A). It changes process-wide state, so only the hidden
// --testnet flag calls it, once, before any host starts.
func EnableTestnetRanges() {
	testnetOnce.Do(func() {
		drop := func(nets []*net.IPNet, cidrs ...string) []*net.IPNet {
			return slices.DeleteFunc(slices.Clone(nets), func(n *net.IPNet) bool {
				return slices.Contains(cidrs, n.String())
			})
		}
		manet.Unroutable4 = drop(manet.Unroutable4, "203.0.113.0/24", "198.51.100.0/24")
		manet.Unroutable6 = drop(manet.Unroutable6, "2001:db8::/32")
	})
}
