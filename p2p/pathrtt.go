package p2p

import (
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/quic-go/quic-go"
)

// MinRTT is the least round trip the connection's transport has measured
// on its path (QUIC keeps it for its congestion control); 0 when the
// transport does not say (TCP).
func MinRTT(c network.Conn) time.Duration {
	var qc *quic.Conn
	if c == nil || !c.As(&qc) || qc == nil {
		return 0
	}
	return qc.ConnectionStats().MinRTT
}
