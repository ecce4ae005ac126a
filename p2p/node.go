package p2p

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/pb"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	ma "github.com/multiformats/go-multiaddr"
)

// NodeConfig describes a bootstrap node (`ra-p2p node`).
type NodeConfig struct {
	Identity crypto.PrivKey
	Listen   []string        // empty = DefaultListenAddrs with fixed port 4001
	Peers    []peer.AddrInfo // other bootstrap nodes to join; may be empty
	// RelayData is the per-circuit data limit each way (0 = 32 KiB): enough to
	// coordinate a hole punch, far too little to carry a session.
	RelayData int64
	// RelayDuration is the per-circuit time limit (0 = 2 minutes).
	RelayDuration time.Duration
	// RelaySessions lifts the limits: peers that chose this node with
	// --relay may run whole sessions through it (an explicit opt-in of the
	// person who runs it and of both users; never a default).
	RelaySessions bool
	Logger        *slog.Logger
}

// Node is a running bootstrap node: DHT server, AutoNAT service and a relay
// limited to hole-punch coordination.
type Node struct {
	h       host.Host
	dht     *dht.IpfsDHT
	log     *slog.Logger
	peers   []peer.AddrInfo
	metrics *relayCounter
}

// NewNode starts a bootstrap node.
func NewNode(cfg NodeConfig) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	listen := cfg.Listen
	if len(listen) == 0 {
		listen = []string{"/ip4/0.0.0.0/udp/4001/quic-v1", "/ip4/0.0.0.0/tcp/4001", "/ip6/::/udp/4001/quic-v1", "/ip6/::/tcp/4001"}
	}
	data := cfg.RelayData
	if data <= 0 {
		data = 32 << 10
	}
	dur := cfg.RelayDuration
	if dur <= 0 {
		dur = 2 * time.Minute
	}
	rc := relay.DefaultResources()
	rc.Limit = &relay.RelayLimit{Duration: dur, Data: data}
	if cfg.RelaySessions {
		rc.Limit = nil // circuits without limits: libp2p does not mark them "limited"
	}
	rc.MaxReservationsPerIP = 32
	counter := &relayCounter{}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Identity),
		libp2p.ListenAddrStrings(listen...),
		libp2p.Security(noise.ID, noise.New),
		libp2p.ForceReachabilityPublic(),
		libp2p.EnableRelayService(relay.WithResources(rc), relay.WithMetricsTracer(counter)),
		libp2p.EnableNATService(),
	}
	opts = append(opts, transportOptions(listen)...)
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting node host: %w", err)
	}
	d, err := dht.New(h, dht.Mode(dht.ModeServer), dht.ProtocolPrefix(PrivateDHTPrefix), dht.BootstrapPeers(cfg.Peers...))
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("starting DHT server: %w", err)
	}
	return &Node{h: h, dht: d, log: logger, peers: cfg.Peers, metrics: counter}, nil
}

// ID is the node's peer ID.
func (n *Node) ID() peer.ID { return n.h.ID() }

// Addrs are the node's full addresses, /p2p/ID included, ready for --bootstrap.
func (n *Node) Addrs() []ma.Multiaddr {
	addrs, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.h.ID(), Addrs: n.h.Addrs()})
	return addrs
}

// RelayedBytes is the number of bytes the relay service carried so far.
func (n *Node) RelayedBytes() int64 { return n.metrics.bytes.Load() }

// Run joins the other nodes (retrying: they may start later) and serves
// until ctx ends, logging relay use when it changes.
func (n *Node) Run(ctx context.Context) error {
	defer n.h.Close()
	defer n.dht.Close()
	joined := map[peer.ID]bool{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastBytes, lastCircuits int64 = -1, -1
	for {
		for _, ai := range n.peers {
			if joined[ai.ID] || ai.ID == n.h.ID() {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			if err := n.h.Connect(cctx, ai); err == nil {
				joined[ai.ID] = true
				n.log.Info("joined node", "peer", ai.ID)
				_ = n.dht.Bootstrap(ctx)
			}
			cancel()
		}
		if b, c := n.metrics.bytes.Load(), n.metrics.circuits.Load(); b != lastBytes || c != lastCircuits {
			lastBytes, lastCircuits = b, c
			n.log.Info("relay use", "relayed_bytes", b, "circuits", c)
		}
		select {
		case <-ctx.Done():
			n.log.Info("relay use", "relayed_bytes", n.metrics.bytes.Load(), "circuits", n.metrics.circuits.Load())
			return nil
		case <-t.C:
		}
	}
}

// relayCounter is a relay.MetricsTracer that counts what the relay carried.
type relayCounter struct {
	bytes    atomic.Int64
	circuits atomic.Int64
}

func (c *relayCounter) RelayStatus(bool)                    {}
func (c *relayCounter) ConnectionOpened()                   { c.circuits.Add(1) }
func (c *relayCounter) ConnectionClosed(time.Duration)      {}
func (c *relayCounter) ConnectionRequestHandled(pb.Status)  {}
func (c *relayCounter) ReservationAllowed(bool)             {}
func (c *relayCounter) ReservationClosed(int)               {}
func (c *relayCounter) ReservationRequestHandled(pb.Status) {}
func (c *relayCounter) BytesTransferred(cnt int)            { c.bytes.Add(int64(cnt)) }
