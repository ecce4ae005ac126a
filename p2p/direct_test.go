package p2p

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

const echoProtocol = protocol.ID("/ra-p2p/test-echo/1.0.0")

// echo answers one line and closes: a session-level protocol registered
// through Handle.
func echo(s network.Stream) {
	_ = s.SetDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(io.LimitReader(s, 64))
	if err != nil {
		s.Reset()
		return
	}
	if _, err := s.Write(b); err != nil {
		s.Reset()
		return
	}
	s.Close()
}

func TestConnectDirect(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	novice := startHost(t, node, true)
	helper := startHost(t, node, false)
	novice.Handle(echoProtocol, echo)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := helper.ConnectDirect(ctx, addrInfo(novice), 0)
	if err != nil {
		t.Fatalf("ConnectDirect: %v", err)
	}
	if c.Stat().Limited || isRelayed(c.RemoteMultiaddr()) {
		t.Fatalf("ConnectDirect returned a relayed connection: %s", c.RemoteMultiaddr())
	}
	if c.RemotePeer() != novice.ID() {
		t.Fatalf("connected to %s, want %s", c.RemotePeer(), novice.ID())
	}
	d := helper.DirectConn(novice.ID())
	if d == nil {
		t.Fatal("DirectConn = nil after ConnectDirect")
	}
	if d.Stat().Limited || isRelayed(d.RemoteMultiaddr()) {
		t.Fatalf("DirectConn returned a relayed connection: %s", d.RemoteMultiaddr())
	}
	if novice.DirectConn(helper.ID()) == nil {
		t.Error("the novice's DirectConn = nil; the connection is direct both ways")
	}
	// A second call finds the connection that is already there.
	if c2, err := helper.ConnectDirect(ctx, addrInfo(novice), 1); err != nil || c2.RemotePeer() != novice.ID() {
		t.Errorf("ConnectDirect again = %v, %v", c2, err)
	}

	// Session streams run over it, both through Handle and OpenStream.
	s, err := helper.OpenStream(ctx, novice.ID(), echoProtocol)
	if err != nil {
		t.Fatalf("OpenStream over a direct connection: %v", err)
	}
	_ = s.SetDeadline(time.Now().Add(wait))
	if _, err := s.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s)
	if err != nil || string(got) != "ping" {
		t.Fatalf("echo = %q, %v; want %q", got, err, "ping")
	}
	s.Close()

	// NotifyDisconnect fires once the last connection to the peer closes.
	gone := make(chan struct{})
	stop := helper.NotifyDisconnect(novice.ID(), func() { close(gone) })
	defer stop()
	helper.ClosePeer(novice.ID())
	select {
	case <-gone:
	case <-time.After(wait):
		t.Fatal("NotifyDisconnect did not fire after ClosePeer")
	}
	if helper.DirectConn(novice.ID()) != nil {
		t.Error("DirectConn still reports a connection after ClosePeer")
	}
}

func TestConnectDirectUnreachable(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	helper := startHost(t, node, false)
	// A host that was there and is gone: its loopback ports refuse.
	gone := startHost(t, node, false)
	ai := addrInfo(gone)
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}

	cases := map[string]peer.AddrInfo{
		"a peer whose ports are closed": ai,
		"a peer with no known address":  {ID: peer.ID(newKeyID(t))},
	}
	for name, ai := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := helper.ConnectDirect(ctx, ai, 1)
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("ConnectDirect = %v, %v; want ErrUnreachable", c, err)
			}
		})
	}
}

func newKeyID(t *testing.T) peer.ID {
	t.Helper()
	id, err := peer.IDFromPrivateKey(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return id
}
