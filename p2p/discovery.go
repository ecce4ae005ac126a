package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	mh "github.com/multiformats/go-multihash"
)

// ErrNotFound means no provider with the expected peer ID answered in time.
var ErrNotFound = errors.New("p2p: peer not found in the DHT")

// keyCID turns a 32-byte discovery key into the CID announced in the DHT. The
// key is already a hash (of the invitation secret), so it is wrapped as a
// sha2-256 multihash as it is, not hashed again.
func keyCID(key []byte) (cid.Cid, error) {
	if len(key) != 32 {
		return cid.Undef, fmt.Errorf("discovery key of %d bytes, want 32", len(key))
	}
	m, err := mh.Encode(key, mh.SHA2_256)
	if err != nil {
		return cid.Undef, fmt.Errorf("encoding discovery key: %w", err)
	}
	return cid.NewCidV1(cid.Raw, m), nil
}

// Provide announces that this host can be found under key, and keeps
// announcing (provider records expire) until ctx ends. It returns after the
// first announcement reached the DHT.
func (h *Host) Provide(ctx context.Context, key []byte, every time.Duration) error {
	c, err := keyCID(key)
	if err != nil {
		return err
	}
	if err := h.dht.Provide(ctx, c, true); err != nil {
		return fmt.Errorf("announcing in the DHT: %w", err)
	}
	if every <= 0 {
		return nil
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := h.dht.Provide(ctx, c, true); err != nil && ctx.Err() == nil {
					h.log.Warn("re-announcing in the DHT failed", "err", err)
				}
			}
		}
	}()
	return nil
}

// FindProvider looks key up in the DHT until a provider with peer ID want
// appears (providers with another ID are ignored: only the invitation's
// novice counts), retrying until ctx ends.
func (h *Host) FindProvider(ctx context.Context, key []byte, want peer.ID) (peer.AddrInfo, error) {
	c, err := keyCID(key)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	for {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		for ai := range h.dht.FindProvidersAsync(qctx, c, 0) {
			if ai.ID == want {
				cancel()
				return ai, nil
			}
			h.log.Debug("ignoring provider with another peer ID", "peer", ai.ID)
		}
		cancel()
		select {
		case <-ctx.Done():
			return peer.AddrInfo{}, fmt.Errorf("looking up %s: %w", want.ShortString(), ErrNotFound)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
