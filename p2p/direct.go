package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// ErrNoDirect means a connection was made only through a relay and every
// attempt to turn it into a direct one failed.
var ErrNoDirect = errors.New("p2p: no direct connection could be made")

// ErrUnreachable means the peer could not be reached at all, not even
// through a relay to coordinate.
var ErrUnreachable = errors.New("p2p: peer unreachable")

// ConnectDirect connects to ai and waits for a direct connection: a direct
// dial of its announced addresses, or a relayed connection that DCUtR
// upgrades. Each round after the first drops the relayed connection and
// reconnects, which restarts DCUtR. It gives up when ctx ends, leaving the
// relayed connection open so the caller can ask the peer why (PeerMapping).
func (h *Host) ConnectDirect(ctx context.Context, ai peer.AddrInfo, rounds int) (network.Conn, error) {
	c, _, err := h.connectRounds(ctx, ai, rounds)
	return c, err
}

// connectRounds is ConnectDirect; it also returns the peer's NAT report as
// last asked (once per round), so the ladder can decide and explain with it
// instead of asking again.
func (h *Host) connectRounds(ctx context.Context, ai peer.AddrInfo, rounds int) (network.Conn, NATReport, error) {
	report := NATReport{Mapping: MappingUnknown}
	if rounds <= 0 {
		rounds = 3
	}
	// A router that answered port mapping forwards within milliseconds;
	// DCUtR offers only what is forwarded by the time it runs.
	if s, ok := h.PortMapping(); ok && s.Method != "" && len(s.Mapped) == 0 {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		h.WaitPortMapping(wctx)
		cancel()
	}
	var lastErr error
	everConnected, dialingForwarded := false, false
	for round := 1; round <= rounds; round++ {
		if c := h.DirectConn(ai.ID); c != nil {
			return c, report, nil
		}
		if round > 1 {
			// A fresh relayed connection makes the novice start DCUtR again.
			h.ClosePeer(ai.ID)
		}
		err := h.h.Connect(network.WithAllowLimitedConn(ctx, "coordinating a hole punch"), ai)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			h.log.Debug("connect round failed", "round", round, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(300 * time.Millisecond):
			}
			continue
		}
		everConnected = true
		wait := 6 * time.Second
		report = h.PeerNATReport(ctx, ai.ID)
		if !dialingForwarded && (len(report.ForwardedAddrs) > 0 || report.MappingPending) {
			dialingForwarded = true // one dialler for all rounds; it ends with this call
			// Their router forwards a port (or may soon: UPnP discovery
			// takes seconds): a plain dial gets through whatever ours
			// does, where DCUtR would only offer them our addresses.
			dctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.dialForwarded(dctx, ai.ID, report)
			}()
			defer func() { cancel(); <-done }()
		}
		if round == 1 {
			// One router that changes ports defeats DCUtR over IPv4; a
			// birthday punch runs beside it (DCUtR may still win, over IPv6).
			if role, err := h.punchRole(report.Mapping); err == nil {
				wait = punchTimeout
				pctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() {
					defer close(done)
					if _, err := h.punchAs(pctx, role, ai.ID); err != nil && pctx.Err() == nil {
						h.log.Info("birthday punch failed", "err", err)
					}
				}()
				defer func() { cancel(); <-done }()
			}
		}
		if c := h.waitDirect(ctx, ai.ID, wait); c != nil {
			return c, report, nil
		}
		lastErr = ErrNoDirect
		if ctx.Err() != nil {
			break
		}
		h.log.Info("no direct connection yet", "round", round)
	}
	if !everConnected {
		return nil, report, fmt.Errorf("connecting to %s: %w (%v)", ai.ID.ShortString(), ErrUnreachable, lastErr)
	}
	return nil, report, fmt.Errorf("connecting to %s: %w", ai.ID.ShortString(), ErrNoDirect)
}

// dialForwarded dials the public addresses p's router forwards to p; while
// p is still asking its router, it asks p again every half second.
func (h *Host) dialForwarded(ctx context.Context, p peer.ID, report NATReport) {
	for len(report.ForwardedAddrs) == 0 && report.MappingPending {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		report = h.PeerNATReport(ctx, p)
	}
	ai := peer.AddrInfo{ID: p}
	for _, s := range report.ForwardedAddrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil || isRelayed(a) || !manet.IsPublicAddr(a) {
			continue // only public, direct addresses: the peer chose them
		}
		ai.Addrs = append(ai.Addrs, a)
	}
	if len(ai.Addrs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(network.WithForceDirectDial(ctx, "forwarded port"), 5*time.Second)
	defer cancel()
	if err := h.h.Connect(ctx, ai); err != nil && ctx.Err() == nil {
		h.log.Info("dialling the peer's forwarded port failed", "addrs", ai.Addrs, "err", err)
	}
}

// waitDirect polls for a direct connection to p for at most d. DCUtR runs
// on its own once the relayed connection exists.
func (h *Host) waitDirect(ctx context.Context, p peer.ID, d time.Duration) network.Conn {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if c := h.DirectConn(p); c != nil {
			return c
		}
		select {
		case <-ctx.Done():
			return nil
		case <-deadline.C:
			return nil
		case <-t.C:
		}
	}
}
