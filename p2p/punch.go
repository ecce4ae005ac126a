package p2p

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/transport/quicreuse"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/quic-go/quic-go"

	"github.com/ra-p2p/ra-p2p/stream/traversal"
)

// A birthday punch (RECIPES.md §D, traversal.PunchProtocol) is coordinated
// over the relayed connection when exactly one of the two routers gives a
// new port to every destination, which DCUtR cannot cross. The initiator (the
// helper) says which role the other side plays, its own public UDP address
// and a fresh nonce; the other side answers with its public address. Then
// the "hard" side opens many UDP sockets and sends one packet from each to
// the "easy" side's public QUIC address (each opens a mapping in its
// router), and the easy side sends paced probes from its QUIC socket to
// random ports of the hard side's public IP until one lands on such a
// mapping; the hard side answers from that socket, lends it to libp2p as a
// QUIC listener, and the easy side dials it: an ordinary libp2p QUIC
// connection, peer IDs checked by its TLS handshake. Only packets that
// carry the nonce are answered.

// ErrNoPunch means the routers' kinds do not call for a birthday punch
// (both keep ports: DCUtR works; both change them: no punch can work).
var ErrNoPunch = errors.New("p2p: no birthday punch for these routers")

const (
	punchSockets  = 256                  // the hard side's sockets (RECIPES §D: median 148 probes at 256)
	punchInterval = 2 * time.Millisecond // the easy side's probe pace: 500 a second
	punchTimeout  = 12 * time.Second     // the whole punch; under conntrack's 30 s UDP timeout
	punchMagic    = "\x00ra-p2p punch"   // first byte 0: quic-go hands it to the non-QUIC reader
	punchAck      = "A"                  // appended by the hard side to the probe it answers
	punchMinGap   = 3 * time.Second      // between two punches a responder accepts
)

// punchState keeps responders to one punch at a time, and not too often.
type punchState struct {
	mu   sync.Mutex
	busy bool
	last time.Time
}

// publicUDP4 is the public IPv4 UDP address public peers saw (for a router
// that keeps ports it is the QUIC socket's public address).
func (o *natObserver) publicUDP4() (*net.UDPAddr, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range o.seen["ip4/udp"] {
		if ua, err := net.ResolveUDPAddr("udp4", a); err == nil {
			return ua, true
		}
	}
	return nil, false
}

// punchRole is this side's role in a birthday punch with a peer whose
// router maps as theirs, or ErrNoPunch.
func (h *Host) punchRole(theirs Mapping) (string, error) {
	if h.qcm == nil {
		return "", fmt.Errorf("birthday punch: %w (no QUIC)", ErrNoPunch)
	}
	mine := h.Mapping()
	switch {
	case mine == MappingChangesPorts && theirs == MappingKeepsPorts:
		return traversal.RoleHard, nil
	case mine == MappingKeepsPorts && theirs == MappingChangesPorts:
		return traversal.RoleEasy, nil
	}
	return "", fmt.Errorf("birthday punch with routers %s (ours) and %s (theirs): %w", mine, theirs, ErrNoPunch)
}

// punchAs runs a birthday punch with p as the initiator, playing role; a
// relayed connection to p must exist (the plan goes over it).
func (h *Host) punchAs(ctx context.Context, role string, p peer.ID) (network.Conn, error) {
	if h.punchProof == nil {
		return nil, fmt.Errorf("birthday punch: %w (this side may not ask)", ErrNoPunch)
	}
	// One punch at a time: both would read the QUIC socket's shared
	// non-QUIC packets.
	if !h.punch.take() {
		return nil, errors.New("birthday punch: another punch is running")
	}
	defer h.punch.release()
	self, ok := h.nat.publicUDP4()
	if !ok {
		return nil, errors.New("birthday punch: no public UDP address of ours is known")
	}
	nonce := make([]byte, traversal.PunchNonceSize)
	rand.Read(nonce)
	ctx, cancel := context.WithTimeout(ctx, punchTimeout)
	defer cancel()
	s, err := h.h.NewStream(network.WithAllowLimitedConn(network.WithNoDial(ctx, "birthday punch"), "birthday punch"), p, traversal.PunchProtocol)
	if err != nil {
		return nil, fmt.Errorf("birthday punch: opening the coordination stream: %w", err)
	}
	// The stream ends after the punch in one Close, or in one Reset when
	// the plan could not be sent or the answer read.
	end := s.Close
	defer func() { _ = end() }()
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	other := traversal.RoleEasy
	if role == traversal.RoleEasy {
		other = traversal.RoleHard
	}
	if err := traversal.WritePunch(s, traversal.PunchMessage{Nonce: nonce, Proof: h.punchProof(p, nonce), Role: other, Addr: self.String()}); err != nil {
		end = s.Reset
		return nil, fmt.Errorf("birthday punch: sending the plan: %w", err)
	}
	reply, err := traversal.ReadPunch(s)
	if err != nil {
		end = s.Reset
		return nil, fmt.Errorf("birthday punch: reading the answer: %w", err)
	}
	if reply.Err != "" {
		return nil, fmt.Errorf("birthday punch refused by the peer: %s", reply.Err)
	}
	remote, err := net.ResolveUDPAddr("udp4", reply.Addr)
	if err != nil || !publicUDP(remote) {
		return nil, fmt.Errorf("birthday punch: the peer's address %q is not a public UDP address (%v)", reply.Addr, err)
	}
	return h.runPunch(ctx, role, nonce, remote, p)
}

// handlePunch is the responder's side of traversal.PunchProtocol. The
// stream ends in one Close once the answer is written, or in one Reset when
// the plan cannot be read or the answer cannot be written.
func (h *Host) handlePunch(s network.Stream) {
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	p := s.Conn().RemotePeer()
	req, err := traversal.ReadPunch(s)
	if err != nil {
		s.Reset()
		return
	}
	answer := func(m traversal.PunchMessage) bool {
		if err := traversal.WritePunch(s, m); err != nil {
			s.Reset()
			return false
		}
		s.Close()
		return true
	}
	refuse := func(why string) {
		h.log.Info("birthday punch refused", "peer", p, "why", why)
		answer(traversal.PunchMessage{Err: why})
	}
	remote, err := net.ResolveUDPAddr("udp4", req.Addr)
	if err != nil || len(req.Nonce) != traversal.PunchNonceSize || (req.Role != traversal.RoleHard && req.Role != traversal.RoleEasy) || h.qcm == nil {
		refuse("bad request")
		return
	}
	if h.punchOK == nil || !h.punchOK(p, req.Nonce, req.Proof) {
		// Only the holder of the invitation may make this computer probe.
		refuse("not authorized")
		return
	}
	if !publicUDP(remote) {
		// Never probe or spray a LAN (or loopback) on a stranger's word.
		refuse("not a public address")
		return
	}
	if want := map[string]Mapping{traversal.RoleHard: MappingChangesPorts, traversal.RoleEasy: MappingKeepsPorts}[req.Role]; h.Mapping() != want {
		refuse("the roles do not match this router")
		return
	}
	self, ok := h.nat.publicUDP4()
	if !ok {
		refuse("no public UDP address known")
		return
	}
	if !h.punch.takeSpaced() {
		refuse("busy")
		return
	}
	if !answer(traversal.PunchMessage{Addr: self.String()}) {
		h.punch.release()
		return
	}
	go func() {
		defer h.punch.release()
		ctx, cancel := context.WithTimeout(h.ctx, punchTimeout)
		defer cancel()
		// Stop as soon as a direct connection exists (DCUtR may win); a
		// helper that went away ends it with the timeout.
		go func() {
			h.waitDirect(ctx, p, punchTimeout)
			cancel()
		}()
		if _, err := h.runPunch(ctx, req.Role, req.Nonce, remote, p); err != nil && h.DirectConn(p) == nil {
			h.log.Info("birthday punch failed", "peer", p, "role", req.Role, "err", err)
		}
	}()
}

// take marks a punch as running; false if one already is.
func (st *punchState) take() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.busy {
		return false
	}
	st.busy, st.last = true, time.Now()
	return true
}

// takeSpaced is take for a responder: also at most one punch per punchMinGap.
func (st *punchState) takeSpaced() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.busy || time.Since(st.last) < punchMinGap {
		return false
	}
	st.busy, st.last = true, time.Now()
	return true
}

func (st *punchState) release() {
	st.mu.Lock()
	st.busy = false
	st.mu.Unlock()
}

func (h *Host) runPunch(ctx context.Context, role string, nonce []byte, remote *net.UDPAddr, p peer.ID) (network.Conn, error) {
	start := time.Now()
	var err error
	if role == traversal.RoleHard {
		err = h.punchHard(ctx, nonce, remote, p)
	} else {
		err = h.punchEasy(ctx, nonce, remote, p)
	}
	if err != nil {
		return nil, err
	}
	if c := h.waitDirect(ctx, p, time.Until(start.Add(punchTimeout))); c != nil {
		h.log.Info("birthday punch: direct", "role", role, "took", time.Since(start).Round(time.Millisecond), "remote", c.RemoteMultiaddr())
		return c, nil
	}
	return nil, fmt.Errorf("birthday punch as the %s side: no direct connection after %v", role, time.Since(start).Round(time.Millisecond))
}

// punchHard opens the sockets, sends one packet from each to the easy
// side, waits for a probe with the nonce, answers it and lends that socket
// to libp2p as a QUIC listener for the easy side's dial.
func (h *Host) punchHard(ctx context.Context, nonce []byte, easy *net.UDPAddr, p peer.ID) error {
	probe := append([]byte(punchMagic), nonce...)
	socks := make([]*net.UDPConn, 0, punchSockets)
	closeAll := func(keep *net.UDPConn) {
		for _, c := range socks {
			if c != keep {
				c.Close()
			}
		}
	}
	for range punchSockets {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{})
		if err != nil {
			closeAll(nil)
			return fmt.Errorf("opening punch sockets: %w", err)
		}
		socks = append(socks, c)
		// Only our router needs to see it (it opens the mapping): a router
		// on the easy side that answers unexpected packets would otherwise
		// remember this flow as its own and give the easy side's probe to
		// this port another port (see openerTTL).
		if writeWithTTL(c, probe, easy, openerTTL) != nil {
			_, _ = c.WriteToUDP(probe, easy)
		}
	}
	type hit struct {
		c    *net.UDPConn
		from *net.UDPAddr
	}
	hits := make(chan hit, 1)
	deadline, _ := ctx.Deadline()
	var wg sync.WaitGroup
	for _, c := range socks {
		wg.Go(func() {
			buf := make([]byte, 64)
			_ = c.SetReadDeadline(deadline)
			for {
				n, from, err := c.ReadFromUDP(buf)
				if err != nil {
					return // closed, or the deadline passed
				}
				if from.IP.Equal(easy.IP) && bytes.Equal(buf[:n], probe) {
					select {
					case hits <- hit{c, from}:
					default:
					}
					return
				}
			}
		})
	}
	var won hit
	select {
	case won = <-hits:
	case <-ctx.Done():
		closeAll(nil)
		wg.Wait()
		return fmt.Errorf("birthday punch: no probe arrived: %w", ctx.Err())
	}
	closeAll(won.c)
	wg.Wait()
	h.log.Info("birthday punch: a probe arrived", "socket", won.c.LocalAddr(), "from", won.from)
	_ = won.c.SetReadDeadline(time.Time{})
	ack := append(append([]byte{}, probe...), punchAck...)
	for range 3 {
		_, _ = won.c.WriteToUDP(ack, won.from)
	}
	tr := lentTransport{&quic.Transport{Conn: won.c}}
	returned, err := h.qcm.LendTransport("udp4", tr, won.c)
	if err != nil {
		tr.Close()
		return fmt.Errorf("birthday punch: lending the socket to libp2p: %w", err)
	}
	go func() {
		// The socket is ours again when libp2p is done with it (at the
		// latest when the host closes); quic-go does not close a conn it
		// was given.
		<-returned
		tr.Close()
		won.c.Close()
	}()
	port := won.c.LocalAddr().(*net.UDPAddr).Port
	laddr := ma.StringCast("/ip4/0.0.0.0/udp/" + strconv.Itoa(port) + "/quic-v1")
	h.punchAddrs.add(laddr.String())
	if err := h.h.Network().Listen(laddr); err != nil {
		return fmt.Errorf("birthday punch: listening on the punched socket: %w", err)
	}
	h.closeListenerWithPeer(ctx, laddr, p)
	return nil
}

// closeListenerWithPeer closes the punched listener when the punch gives
// nothing (ctx ends first) or when the last connection to p closes: the
// socket served this one peer.
func (h *Host) closeListenerWithPeer(ctx context.Context, laddr ma.Multiaddr, p peer.ID) {
	closer, ok := h.h.Network().(interface{ ListenClose(...ma.Multiaddr) })
	if !ok {
		return
	}
	var once sync.Once
	closeIt := func() { once.Do(func() { closer.ListenClose(laddr) }) }
	go func() {
		<-ctx.Done()
		// Watch the direct connection only once the punch is over: while
		// it runs, relayed connections come and go, and NotifyDisconnect
		// fires whenever no direct (unlimited) connection is left.
		h.NotifyDisconnect(p, closeIt)
		if h.DirectConn(p) == nil {
			closeIt()
		}
	}()
}

// punchEasy probes random ports of the hard side's IP from the QUIC
// listen socket until the hard side answers, then dials it there.
func (h *Host) punchEasy(ctx context.Context, nonce []byte, hard *net.UDPAddr, p peer.ID) error {
	laddr, err := h.quicListenAddr()
	if err != nil {
		return err
	}
	pc, err := h.qcm.SharedNonQUICPacketConn("udp4", laddr)
	if err != nil {
		return fmt.Errorf("birthday punch: sharing the QUIC socket: %w", err)
	}
	probe := append([]byte(punchMagic), nonce...)
	ack := append(append([]byte{}, probe...), punchAck...)
	won := make(chan int, 1)
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	go func() {
		<-readCtx.Done()
		pc.Close() // unblocks ReadFrom
	}()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if ua, ok := from.(*net.UDPAddr); ok && ua.IP.Equal(hard.IP) && bytes.Equal(buf[:n], ack) {
				select {
				case won <- ua.Port:
				default:
				}
				return
			}
		}
	}()
	ports := mrand.Perm(65536 - 1024)
	t := time.NewTicker(punchInterval)
	defer t.Stop()
	var port, sent int
probing:
	for _, off := range ports {
		select {
		case port = <-won:
			break probing
		case <-ctx.Done():
			return fmt.Errorf("birthday punch: no answer after %d probes: %w", sent, ctx.Err())
		case <-t.C:
		}
		_, _ = pc.WriteTo(probe, &net.UDPAddr{IP: hard.IP, Port: 1024 + off})
		sent++
	}
	if port == 0 {
		select {
		case port = <-won:
		case <-ctx.Done():
			return fmt.Errorf("birthday punch: no answer after %d probes: %w", sent, ctx.Err())
		}
	}
	h.log.Info("birthday punch: the hard side answered", "probes", sent, "port", port)
	stopRead()
	target := ma.StringCast("/ip4/" + hard.IP.String() + "/udp/" + strconv.Itoa(port) + "/quic-v1")
	// The dial leaves from the QUIC listen socket, the one the probes came
	// from, so it follows the path the probe opened.
	dctx := network.WithForceDirectDial(ctx, "birthday punch")
	if err := h.h.Connect(dctx, peer.AddrInfo{ID: p, Addrs: []ma.Multiaddr{target}}); err != nil {
		return fmt.Errorf("birthday punch: dialling %s: %w", target, err)
	}
	return nil
}

// publicUDP says whether a is a public address (the test network's ranges
// count as public only with the --testnet switch).
func publicUDP(a *net.UDPAddr) bool {
	m, err := manet.FromNetAddr(a)
	return err == nil && manet.IsPublicAddr(m)
}

// quicListenAddr is the local address of the host's IPv4 QUIC listener.
func (h *Host) quicListenAddr() (*net.UDPAddr, error) {
	for _, a := range h.h.Network().ListenAddresses() {
		if _, err := a.ValueForProtocol(ma.P_QUIC_V1); err != nil {
			continue
		}
		ip, err := a.ValueForProtocol(ma.P_IP4)
		if err != nil {
			continue
		}
		if h.punchAddrs.contains(a.String()) {
			continue
		}
		port, err := a.ValueForProtocol(ma.P_UDP)
		if err != nil {
			continue
		}
		n, _ := strconv.Atoi(port)
		return &net.UDPAddr{IP: net.ParseIP(ip), Port: n}, nil
	}
	return nil, errors.New("birthday punch: no IPv4 QUIC listener")
}

// addrSet is a set of strings safe for concurrent use.
type addrSet struct{ m sync.Map }

func (s *addrSet) add(a string)           { s.m.Store(a, true) }
func (s *addrSet) contains(a string) bool { _, ok := s.m.Load(a); return ok }

// lentTransport adapts a quic-go Transport to what quicreuse borrows.
type lentTransport struct{ *quic.Transport }

func (t lentTransport) Listen(tc *tls.Config, qc *quic.Config) (quicreuse.QUICListener, error) {
	return t.Transport.Listen(tc, qc)
}

// quicConnManager is populated from libp2p's dependency graph so the punch
// can share the QUIC socket and lend it a punched one (RECIPES.md §D).
type quicConnManager = *quicreuse.ConnManager
