package session

import (
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/p2p"
)

// BootstrapPeers is the bootstrap list a session uses: the user's (flags,
// config file) when given, else the invitation's; both empty means the
// public DHT.
func BootstrapPeers(users []peer.AddrInfo, invitations []string) ([]peer.AddrInfo, error) {
	if len(users) > 0 {
		return users, nil
	}
	return p2p.ParseAddrInfos(invitations)
}
