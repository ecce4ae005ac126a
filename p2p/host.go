package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/autorelay"
	basichost "github.com/libp2p/go-libp2p/p2p/host/basic"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/protocol/holepunch"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/quicreuse"
	tcp "github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	quicgo "github.com/quic-go/quic-go"
	"go.uber.org/fx"

	"github.com/ra-p2p/ra-p2p/p2p/portmap"
	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// PrivateDHTPrefix is the DHT protocol prefix used with self-hosted bootstrap
// nodes, so a private ra-p2p network never mixes with the public Amino DHT
// (whose rules also filter the loopback and LAN addresses a private network needs).
const PrivateDHTPrefix = "/ra-p2p"

// DefaultListenAddrs are used when Config.Listen is empty.
var DefaultListenAddrs = []string{
	"/ip4/0.0.0.0/udp/0/quic-v1",
	"/ip4/0.0.0.0/tcp/0",
	"/ip6/::/udp/0/quic-v1",
	"/ip6/::/tcp/0",
}

// Config describes one home host (a novice or a helper).
type Config struct {
	// Identity is the host's key. Required: the novice's comes from its
	// invitation, the helper's is fresh per session.
	Identity crypto.PrivKey
	// Listen addresses; empty means DefaultListenAddrs. Only the transports
	// named here (QUIC, TCP) are enabled, so a test can pin one.
	Listen []string
	// Bootstrap peers; empty means the public IPFS Amino DHT.
	Bootstrap []peer.AddrInfo
	// Reachable asks for a relay reservation on the bootstrap peers so others
	// can reach this host to coordinate a hole punch (the novice sets it).
	Reachable bool
	// Logger for diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// Relays are relay nodes the user runs and chose with --relay (nodes
	// started with session relaying): the novice reserves a slot on them,
	// and sessions may run through them when no direct connection is
	// possible. Empty: sessions are direct only.
	Relays []peer.AddrInfo
	// PunchProof, on the side that asks for a birthday punch (the helper),
	// proves to the other side that this host may ask (the session layer
	// knows the invitation secret; this package does not).
	PunchProof func(remote peer.ID, nonce []byte) []byte
	// PunchAllowed, on the side that is asked (the novice), checks that
	// proof. Nil refuses every punch request.
	PunchAllowed func(remote peer.ID, nonce, proof []byte) bool
	// PortMapping asks the home router (UPnP IGD or NAT-PMP) to forward the
	// IPv4 listen ports, and removes the forwarding on Close. "" and
	// portmap.Off ask nothing; so does a host whose bootstrap peers are all
	// local (a LAN or one-machine demo).
	PortMapping portmap.Method
}

// Host is a running home host with its DHT.
type Host struct {
	h         host.Host
	dht       *dht.IpfsDHT
	bootstrap []peer.AddrInfo
	log       *slog.Logger
	nat       *natObserver
	punches   *punchTracer
	// local: every bootstrap peer is on loopback or a LAN, so there is no
	// public address to learn and no relay address to wait for.
	local bool
	// Birthday punch (punch.go).
	qcm        quicConnManager
	relays     []peer.AddrInfo // the user's own relays (Config.Relays)
	punchProof func(peer.ID, []byte) []byte
	punchOK    func(peer.ID, []byte, []byte) bool
	punch      punchState
	punchAddrs addrSet
	ctx        context.Context // ends with Close
	cancel     context.CancelFunc
	portmap    *portmap.Manager // nil unless Config.PortMapping
	natAsks    askLimiter       // NAT reports answered, per asking peer

	closeOnce sync.Once
	closeErr  error
}

// New starts a home host: it listens but dials nobody until Bootstrap.
func New(cfg Config) (*Host, error) {
	if cfg.Identity == nil {
		return nil, errors.New("starting host: no identity key")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	listen := cfg.Listen
	if len(listen) == 0 {
		listen = DefaultListenAddrs
	}
	bootstrap := cfg.Bootstrap
	private := len(bootstrap) > 0
	if !private {
		bootstrap = dht.GetDefaultBootstrapPeerAddrInfos()
	}
	keepLocal := allLocal(bootstrap)
	tr := &punchTracer{}
	sockets := &quicSockets{log: logger}
	af := &dcutrAddrFilter{sockets: sockets}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Identity),
		libp2p.ListenAddrStrings(listen...),
		libp2p.Security(noise.ID, noise.New),
		libp2p.EnableRelay(),
		libp2p.EnableHolePunching(holepunch.DirectDialTimeout(time.Second), holepunch.WithTracer(tr), holepunch.WithAddrFilter(af)),
		libp2p.ForceReachabilityPrivate(),
		libp2p.AddrsFactory(func(addrs []ma.Multiaddr) []ma.Multiaddr {
			return filterAddrs(addrs, keepLocal)
		}),
	}
	opts = append(opts, transportOptions(listen)...)
	opts = append(opts, libp2p.QUICReuse(newQUICConnManager, quicreuse.OverrideListenUDP(sockets.listenUDP)))
	var pm *portmap.Manager
	if cfg.PortMapping != "" && cfg.PortMapping != portmap.Off && !keepLocal {
		pm = portmap.NewManager(logger.With("part", "portmap"), cfg.PortMapping, nil)
		opts = append(opts, libp2p.NATManager(func(n network.Network) basichost.NATManager { return newNATManager(pm, n) }))
	}
	var qcm quicConnManager
	opts = append(opts, libp2p.WithFxOption(fx.Populate(&qcm)))
	if cfg.Reachable {
		static := bootstrap
		if len(cfg.Relays) > 0 {
			static = cfg.Relays // the user's relay coordinates and, if need be, carries
		}
		opts = append(opts, libp2p.EnableAutoRelayWithStaticRelays(static,
			autorelay.WithBootDelay(0), autorelay.WithNumRelays(1), autorelay.WithMinCandidates(1),
			autorelay.WithBackoff(10*time.Second)))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		if pm != nil {
			pm.Close()
		}
		return nil, fmt.Errorf("starting libp2p host: %w", err)
	}
	if pm != nil {
		// libp2p recomputes its addresses every 5 s, or at once when
		// reachability "changes": say it again (still private) so that a
		// new mapping reaches DCUtR's address list before the next punch.
		em, err := h.EventBus().Emitter(new(event.EvtLocalReachabilityChanged), eventbus.Stateful)
		if err != nil {
			pm.Close()
			h.Close()
			return nil, fmt.Errorf("port mapping: %w", err)
		}
		pm.OnChange(func() { _ = em.Emit(event.EvtLocalReachabilityChanged{Reachability: network.ReachabilityPrivate}) })
	}
	dhtOpts := []dht.Option{dht.Mode(dht.ModeClient), dht.BootstrapPeers(bootstrap...)}
	if private {
		dhtOpts = append(dhtOpts, dht.ProtocolPrefix(PrivateDHTPrefix))
	}
	d, err := dht.New(h, dhtOpts...)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("starting DHT client: %w", err)
	}
	nat, err := newNATObserver(h, logger)
	if err != nil {
		d.Close()
		h.Close()
		return nil, err
	}
	hh := &Host{h: h, dht: d, bootstrap: bootstrap, log: logger, nat: nat, punches: tr, local: keepLocal, qcm: qcm,
		punchProof: cfg.PunchProof, punchOK: cfg.PunchAllowed, relays: cfg.Relays, portmap: pm}
	hh.ctx, hh.cancel = context.WithCancel(context.Background())
	af.host.Store(hh)
	h.SetStreamHandler(traversal.NATReportProtocol, hh.handleNATReport)
	h.SetStreamHandler(traversal.PunchProtocol, hh.handlePunch)
	return hh, nil
}

// transportOptions enables QUIC and/or TCP according to the listen addresses.
func transportOptions(listen []string) []libp2p.Option {
	var opts []libp2p.Option
	joined := strings.Join(listen, " ")
	if strings.Contains(joined, "/quic-v1") {
		opts = append(opts, libp2p.Transport(quic.NewTransport))
	}
	if strings.Contains(joined, "/tcp/") {
		opts = append(opts, libp2p.Transport(tcp.NewTCPTransport))
	}
	return opts
}

// newQUICConnManager makes the QUIC transports' connection manager as
// libp2p does by default (every inbound QUIC connection opens a resource
// manager scope, which can refuse it, and source addresses are verified
// when the resource manager asks), plus opts: libp2p's own constructor
// takes none, and the opening packets need quicreuse.OverrideListenUDP.
// Metrics are left out (this program exports none).
func newQUICConnManager(key quicgo.StatelessResetKey, tokens quicgo.TokenGeneratorKey, rcmgr network.ResourceManager, lc fx.Lifecycle, opts ...quicreuse.Option) (*quicreuse.ConnManager, error) {
	opts = append(opts,
		quicreuse.ConnContext(func(ctx context.Context, ci *quicgo.ClientInfo) (context.Context, error) {
			addr, err := quicreuse.ToQuicMultiaddr(ci.RemoteAddr, quicgo.Version1)
			if err != nil {
				addr = nil // the resource manager decides without it
			}
			scope, err := rcmgr.OpenConnection(network.DirInbound, false, addr)
			if err != nil {
				return ctx, err
			}
			ctx = network.WithConnManagementScope(ctx, scope)
			context.AfterFunc(ctx, scope.Done)
			return ctx, nil
		}),
		quicreuse.VerifySourceAddress(rcmgr.VerifySourceAddress),
	)
	cm, err := quicreuse.NewConnManager(key, tokens, opts...)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.StopHook(cm.Close))
	return cm, nil
}

// allLocal reports whether every bootstrap address is loopback or private:
// then this is a LAN or a one-machine demo, and local addresses are what
// peers must use.
func allLocal(peers []peer.AddrInfo) bool {
	n := 0
	for _, p := range peers {
		for _, a := range p.Addrs {
			n++
			if manet.IsPublicAddr(a) {
				return false
			}
		}
	}
	return n > 0
}

// filterAddrs drops loopback and private addresses unless keepLocal: two homes
// often share 192.168.1.0/24, and a dial to the other home's private address
// would reach the wrong machine or time out.
func filterAddrs(addrs []ma.Multiaddr, keepLocal bool) []ma.Multiaddr {
	if keepLocal {
		return addrs
	}
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, a := range addrs {
		if isRelayed(a) || manet.IsPublicAddr(a) {
			out = append(out, a)
		}
	}
	return out
}

func isRelayed(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

// PortMapping reports what the router forwards for this host; ok is false
// when port mapping is off (Config.PortMapping, or a local network).
func (h *Host) PortMapping() (s portmap.Status, ok bool) {
	if h.portmap == nil {
		return portmap.Status{}, false
	}
	return h.portmap.Status(), true
}

// Forwarded reports whether the router forwards at least one port now.
func (h *Host) Forwarded() bool {
	s, ok := h.PortMapping()
	return ok && len(s.Mapped) > 0
}

// WaitPortMapping waits until the router has mapped the listen ports or
// has been found not to answer, or ctx ends.
func (h *Host) WaitPortMapping(ctx context.Context) (s portmap.Status, ok bool) {
	if h.portmap == nil {
		return portmap.Status{}, false
	}
	return h.portmap.WaitMapped(ctx), true
}

// ID is the host's peer ID.
func (h *Host) ID() peer.ID { return h.h.ID() }

// Addrs are the addresses the host announces.
func (h *Host) Addrs() []ma.Multiaddr { return h.h.Addrs() }

// Bootstrap connects to the bootstrap peers and returns once at least one
// answered, or an error when none did before ctx ends.
func (h *Host) Bootstrap(ctx context.Context) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	ok := make(chan struct{}, len(h.bootstrap))
	for _, ai := range h.bootstrap {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.h.Connect(ctx, ai); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", ai.ID.ShortString(), err))
				mu.Unlock()
				return
			}
			ok <- struct{}{}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-ok:
	case <-done:
		select {
		case <-ok:
		default:
			return fmt.Errorf("connecting to bootstrap peers: %w", errors.Join(errs...))
		}
	case <-ctx.Done():
		return fmt.Errorf("connecting to bootstrap peers: %w", ctx.Err())
	}
	if err := h.dht.Bootstrap(ctx); err != nil {
		return fmt.Errorf("bootstrapping DHT: %w", err)
	}
	// A DHT client can announce and look up only once a server is in its
	// routing table (identify must have run on the bootstrap connection).
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for h.dht.RoutingTable().Size() == 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for a DHT server in the routing table: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// WaitHolePunchReady waits until the host knows a public address of its own
// and serves DCUtR. A helper that dials before this misses the hole punch
// ("protocols not supported: [/libp2p/dcutr]", RECIPES.md A).
func (h *Host) WaitHolePunchReady(ctx context.Context) error {
	if h.local {
		return nil // no public address will come; peers dial each other directly
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		for _, p := range h.h.Mux().Protocols() {
			if p == holepunch.Protocol {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for a public address: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// WaitRelayAddr waits until the host announces a relay address (a reservation
// exists), so that a helper can reach it to coordinate a hole punch.
func (h *Host) WaitRelayAddr(ctx context.Context) error {
	if h.local {
		return nil // relay addresses are built from public addresses only
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		for _, a := range h.h.Addrs() {
			if isRelayed(a) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for a relay reservation: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Handle registers a session-level protocol handler. Streams over relayed
// (limited) connections are reset: session traffic is direct only.
func (h *Host) Handle(proto protocol.ID, handler func(network.Stream)) {
	h.h.SetStreamHandler(proto, func(s network.Stream) {
		if s.Conn().Stat().Limited || (isRelayed(s.Conn().RemoteMultiaddr()) && !h.viaOwnRelay(s.Conn().RemoteMultiaddr())) {
			h.log.Warn("refusing stream over a relayed connection", "protocol", proto, "peer", s.Conn().RemotePeer())
			s.Reset()
			return
		}
		handler(s)
	})
}

// Unhandle removes a protocol handler.
func (h *Host) Unhandle(proto protocol.ID) { h.h.RemoveStreamHandler(proto) }

// OpenStream opens a session-level stream to p over a direct connection only.
func (h *Host) OpenStream(ctx context.Context, p peer.ID, proto protocol.ID) (network.Stream, error) {
	// With only a relayed connection go-libp2p waits for a direct one until
	// ctx ends: bound the wait so a dropped connection fails, never hangs.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	s, err := h.h.NewStream(network.WithNoDial(ctx, "session streams use the existing direct connection"), p, proto)
	if err != nil {
		return nil, fmt.Errorf("opening %s stream: %w", proto, err)
	}
	if s.Conn().Stat().Limited {
		s.Reset()
		return nil, fmt.Errorf("opening %s stream: only a relayed connection exists", proto)
	}
	return s, nil
}

// DirectConn returns a direct (not relayed) connection to p, if one is open.
func (h *Host) DirectConn(p peer.ID) network.Conn {
	for _, c := range h.h.Network().ConnsToPeer(p) {
		if !c.Stat().Limited && !isRelayed(c.RemoteMultiaddr()) {
			return c
		}
	}
	return nil
}

// Notify calls disconnected when the last connection to p closes.
func (h *Host) NotifyDisconnect(p peer.ID, disconnected func()) (stop func()) {
	var once sync.Once
	n := &network.NotifyBundle{DisconnectedF: func(n network.Network, c network.Conn) {
		if c.RemotePeer() == p && n.Connectedness(p) != network.Connected {
			once.Do(disconnected)
		}
	}}
	h.h.Network().Notify(n)
	return func() { h.h.Network().StopNotify(n) }
}

// ForgetDialFailures clears libp2p's dial backoff for p, so a peer whose
// path was down a moment ago is dialled again at once when it returns.
func (h *Host) ForgetDialFailures(p peer.ID) {
	if s, ok := h.h.Network().(*swarm.Swarm); ok {
		s.Backoff().Clear(p)
	}
}

// PingPeers sends a ping to every connected peer and waits for the answers
// or ctx: after the home's link was down, the router (which dropped its NAT
// mappings with the link) lets the relay and the nodes in again only once
// this side has sent them something, and an idle connection would wait for
// its next keep-alive (15 s) to do so.
func (h *Host) PingPeers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range h.h.Network().Peers() {
		wg.Go(func() {
			select {
			case <-ping.Ping(ctx, h.h, p):
			case <-ctx.Done():
			}
		})
	}
	wg.Wait()
}

// ClosePeer closes every connection to p.
func (h *Host) ClosePeer(p peer.ID) { _ = h.h.Network().ClosePeer(p) }

// Close stops the DHT and the host. Safe to call more than once.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.cancel()
		h.nat.close()
		h.closeErr = errors.Join(h.dht.Close(), h.h.Close())
		if h.portmap != nil { // after the listeners are gone
			h.portmap.Close()
		}
	})
	return h.closeErr
}

// viaOwnRelay says whether relayed address a goes through one of the
// user's own relays (Config.Relays).
func (h *Host) viaOwnRelay(a ma.Multiaddr) bool {
	id, err := a.ValueForProtocol(ma.P_P2P) // the first /p2p/ is the relay's
	if err != nil {
		return false
	}
	for _, r := range h.relays {
		if r.ID.String() == id {
			return true
		}
	}
	return false
}

// ConnectViaOwnRelay connects to p through one of the user's own relays
// (Config.Relays), for a session when no direct connection is possible.
// The connection is unlimited (the relay runs with session relaying) or an
// error is returned.
func (h *Host) ConnectViaOwnRelay(ctx context.Context, p peer.ID) (network.Conn, error) {
	if len(h.relays) == 0 {
		return nil, errors.New("no relay of your own was given (--relay)")
	}
	var errs []error
	for _, r := range h.relays {
		var addrs []ma.Multiaddr
		for _, a := range r.Addrs {
			addrs = append(addrs, a.Encapsulate(ma.StringCast("/p2p/"+r.ID.String()+"/p2p-circuit")))
		}
		// Only this relay's circuit: the coordination circuits through the
		// bootstrap nodes are limited and must not be picked.
		h.ClosePeer(p)
		h.h.Peerstore().ClearAddrs(p)
		h.h.Peerstore().AddAddrs(p, addrs, time.Minute)
		if err := h.h.Connect(ctx, peer.AddrInfo{ID: p, Addrs: addrs}); err != nil {
			errs = append(errs, fmt.Errorf("through %s: %w", r.ID.ShortString(), err))
			continue
		}
		for _, c := range h.h.Network().ConnsToPeer(p) {
			if !c.Stat().Limited && h.viaOwnRelay(c.RemoteMultiaddr()) {
				return c, nil
			}
		}
		errs = append(errs, fmt.Errorf("through %s: the relay limits its circuits (is session relaying on?)", r.ID.ShortString()))
	}
	return nil, errors.Join(errs...)
}
