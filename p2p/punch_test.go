package p2p

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// A punch request makes the answering computer open sockets and send
// probes, so it is refused unless the requester proves it may ask
// (Config.PunchAllowed), and never aimed at a non-public address.
func TestPunchRequestsAreChecked(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	good := []byte("proof of the invitation")
	novice, err := New(Config{Identity: newKey(t), Listen: loopback, Bootstrap: nodePeers(t, node), Logger: testLogger(),
		PunchAllowed: func(_ peer.ID, _, proof []byte) bool { return bytes.Equal(proof, good) }})
	if err != nil {
		t.Fatal(err)
	}
	defer novice.Close()
	closed := startHost(t, node, false) // no PunchAllowed: refuses every request
	helper := startHost(t, node, false)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	ask := func(to *Host, m traversal.PunchMessage) traversal.PunchMessage {
		t.Helper()
		if err := helper.h.Connect(ctx, addrInfo(to)); err != nil {
			t.Fatal(err)
		}
		s, err := helper.h.NewStream(network.WithNoDial(ctx, "test"), to.ID(), traversal.PunchProtocol)
		if err != nil {
			t.Fatalf("opening a punch stream: %v", err)
		}
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(wait))
		if err := json.NewEncoder(s).Encode(m); err != nil {
			t.Fatal(err)
		}
		var r traversal.PunchMessage
		if err := json.NewDecoder(io.LimitReader(s, traversal.MaxPunchMessage)).Decode(&r); err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		return r
	}
	nonce := bytes.Repeat([]byte{7}, traversal.PunchNonceSize)
	cases := []struct {
		name string
		to   *Host
		m    traversal.PunchMessage
		want string
	}{
		{"no proof", novice, traversal.PunchMessage{Nonce: nonce, Role: traversal.RoleEasy, Addr: "8.8.8.8:4001"}, "not authorized"},
		{"wrong proof", novice, traversal.PunchMessage{Nonce: nonce, Proof: []byte("guess"), Role: traversal.RoleEasy, Addr: "8.8.8.8:4001"}, "not authorized"},
		{"a LAN address", novice, traversal.PunchMessage{Nonce: nonce, Proof: good, Role: traversal.RoleEasy, Addr: "192.168.1.1:80"}, "not a public address"},
		{"loopback", novice, traversal.PunchMessage{Nonce: nonce, Proof: good, Role: traversal.RoleHard, Addr: "127.0.0.1:22"}, "not a public address"},
		// The novice's router kind is unknown on loopback: no role fits it.
		{"role not this router's", novice, traversal.PunchMessage{Nonce: nonce, Proof: good, Role: traversal.RoleEasy, Addr: "8.8.8.8:4001"}, "the roles do not match this router"},
		{"short nonce", novice, traversal.PunchMessage{Nonce: nonce[:4], Proof: good, Role: traversal.RoleEasy, Addr: "8.8.8.8:4001"}, "bad request"},
		{"host that allows nobody", closed, traversal.PunchMessage{Nonce: nonce, Proof: good, Role: traversal.RoleEasy, Addr: "8.8.8.8:4001"}, "not authorized"},
	}
	for _, tc := range cases {
		if r := ask(tc.to, tc.m); r.Err != tc.want || r.Addr != "" {
			t.Errorf("%s: answer %+v, want refusal %q", tc.name, r, tc.want)
		}
	}
}
