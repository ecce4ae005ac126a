package p2p

import (
	"context"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/quic-go/quic-go"
)

// Datagrams are a connection's unreliable messages (QUIC datagrams, RFC
// 9221): each arrives whole or not at all, maybe out of order, and is never
// sent again, so a lost one holds back nothing behind it. What they carry
// is the caller's; the connection encrypts and authenticates them as it
// does its streams.
type Datagrams interface {
	// SendDatagram queues b (which must fit one packet, about 1200 bytes);
	// it waits only when the connection's small send queue is full.
	SendDatagram(b []byte) error
	// ReceiveDatagram returns the next datagram that arrived, waiting for
	// one until ctx ends or the connection closes.
	ReceiveDatagram(ctx context.Context) ([]byte, error)
}

// DatagramsOf returns c's datagrams when its transport has them and both
// sides enabled them: a direct QUIC connection (go-libp2p enables them in
// its QUIC config). A TCP or relayed connection has none (ok false).
func DatagramsOf(c network.Conn) (d Datagrams, ok bool) {
	var qc *quic.Conn
	if c == nil || !c.As(&qc) || qc == nil {
		return nil, false
	}
	st := qc.ConnectionState().SupportsDatagrams
	if !st.Local || !st.Remote {
		return nil, false
	}
	return qc, true
}
