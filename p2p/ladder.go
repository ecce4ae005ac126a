package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// NoDirectError says why no direct connection could be made: what the peer
// reported of its network (asked once per attempt, over the coordinating
// connection) and what this host knows of its own. It wraps ErrNoDirect.
type NoDirectError struct {
	Peer       NATReport // the peer's last answer (Mapping unknown when it gave none)
	OurMapping Mapping
	OurIPv6    bool  // this host has a public IPv6 address
	Relay      error // the user's own relay was tried and failed; nil when not tried
}

func (e *NoDirectError) Error() string {
	if e.Relay != nil {
		return fmt.Sprintf("%v (peer's router %s, ours %s); the relay failed too: %v", ErrNoDirect, e.Peer.Mapping, e.OurMapping, e.Relay)
	}
	return fmt.Sprintf("%v (peer's router %s, ours %s)", ErrNoDirect, e.Peer.Mapping, e.OurMapping)
}

func (e *NoDirectError) Unwrap() error { return ErrNoDirect }

// BothIPv6 says whether both sides have public IPv6: then only a firewall
// can have stopped the connection.
func (e *NoDirectError) BothIPv6() bool { return e.Peer.IPv6 && e.OurIPv6 }

// SessionConn is the connection a session runs over.
type SessionConn struct {
	network.Conn
	// NoDirect is set when the connection goes through the user's own relay:
	// why a direct one could not be made.
	NoDirect *NoDirectError
}

// Relayed says whether the session goes through a relay of the user's own.
func (c SessionConn) Relayed() bool { return c.NoDirect != nil }

// ConnectSession runs the ladder of DESIGN.md §5 to p for a session, in one
// place: announced addresses, forwarded ports and DCUtR (with a birthday
// punch beside it when one router changes ports) for directTimeout (0 =
// 20 s), a second round only while a way may still exist, then, when the
// user gave relays of their own (Config.Relays), one of those (viaRelay is
// called first, so the user can be told). Errors wrap ErrUnreachable, or
// are a *NoDirectError.
func (h *Host) ConnectSession(ctx context.Context, ai peer.AddrInfo, directTimeout time.Duration, viaRelay func()) (SessionConn, error) {
	if directTimeout <= 0 {
		directTimeout = 20 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, directTimeout)
	c, why, err := h.connectDirectLadder(dctx, ai)
	cancel()
	if err == nil {
		return SessionConn{Conn: c}, nil
	}
	if why == nil || len(h.relays) == 0 {
		return SessionConn{}, err
	}
	if viaRelay != nil {
		viaRelay()
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, rerr := h.ConnectViaOwnRelay(rctx, ai.ID)
	if rerr != nil {
		why.Relay = rerr
		return SessionConn{}, why
	}
	return SessionConn{Conn: c, NoDirect: why}, nil
}

// connectDirectLadder is the direct part of ConnectSession. After a failed
// first round it stops early when either router is known to change ports
// for every destination and the two cannot meet over IPv6 or a forwarded
// port instead: more DCUtR rounds cannot help then.
func (h *Host) connectDirectLadder(ctx context.Context, ai peer.AddrInfo) (network.Conn, *NoDirectError, error) {
	c, report, err := h.connectRounds(ctx, ai, 1)
	if err == nil || !errors.Is(err, ErrNoDirect) {
		return c, nil, err
	}
	// Our own router may still be answering a port-mapping request (UPnP
	// discovery takes seconds); a forwarded port lets DCUtR through any NAT.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	h.WaitPortMapping(wctx)
	cancel()
	why := &NoDirectError{OurMapping: h.Mapping(), OurIPv6: h.PublicIPv6()}
	report = h.settledReport(ctx, ai.ID, report)
	why.Peer = report
	forwarded := len(report.ForwardedAddrs) > 0 || report.MappingPending || h.Forwarded()
	if why.BothIPv6() || forwarded || (why.OurMapping != MappingChangesPorts && report.Mapping != MappingChangesPorts) {
		c, report, err = h.connectRounds(ctx, ai, 2)
		if err == nil || !errors.Is(err, ErrNoDirect) {
			return c, nil, err
		}
		why.Peer, why.OurMapping = report, h.Mapping()
	}
	return nil, why, fmt.Errorf("connecting to %s: %w", ai.ID.ShortString(), why)
}

// settledReport is the peer's NAT report once its router has answered its
// port-mapping request or been found silent (at most 5 s more): a report
// asked while that was pending (a helper that arrives as the novice starts)
// would otherwise buy a second round of DCUtR, 12 s, that a router that
// forwards nothing cannot use. A peer that no longer answers leaves report
// as it was.
func (h *Host) settledReport(ctx context.Context, p peer.ID, report NATReport) NATReport {
	deadline := time.Now().Add(5 * time.Second)
	for report.MappingPending && len(report.ForwardedAddrs) == 0 && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return report
		case <-time.After(500 * time.Millisecond):
		}
		fresh := h.PeerNATReport(ctx, p)
		if fresh.Mapping == MappingUnknown {
			return report
		}
		report = fresh
	}
	return report
}
