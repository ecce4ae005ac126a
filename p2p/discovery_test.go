package p2p

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestFindProvider(t *testing.T) {
	t.Parallel()
	node := startNode(t)
	// Two novices (Reachable, as StartNovice makes them) and a helper.
	alice := startHost(t, node, true)
	carol := startHost(t, node, true)
	helper := startHost(t, node, false)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops re-announcing
	provide := func(h *Host, key []byte) {
		t.Helper()
		pctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		if err := h.Provide(pctx, key, 0); err != nil {
			t.Fatalf("Provide: %v", err)
		}
	}
	onlyAlice := randomKey(t)
	shared := randomKey(t) // announced by both Alice and Carol
	provide(alice, onlyAlice)
	provide(alice, shared)
	provide(carol, shared)

	found := map[string]struct {
		key  []byte
		want *Host
	}{
		"the only provider":                      {onlyAlice, alice},
		"the first of two providers of one key":  {shared, alice},
		"the second of two providers of one key": {shared, carol},
	}
	for name, tc := range found {
		t.Run(name, func(t *testing.T) {
			fctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			ai, err := helper.FindProvider(fctx, tc.key, tc.want.ID())
			if err != nil {
				t.Fatalf("FindProvider: %v", err)
			}
			if ai.ID != tc.want.ID() {
				t.Fatalf("found %s, want %s", ai.ID, tc.want.ID())
			}
		})
	}

	notFound := map[string]struct {
		key  []byte
		want peer.ID
	}{
		"a key nobody announced": {randomKey(t), alice.ID()},
		// Carol is a provider, but not of this key; Alice is, but is not the
		// one asked for: only the invitation's novice counts.
		"a provider with another peer ID is ignored": {onlyAlice, carol.ID()},
	}
	for name, tc := range notFound {
		t.Run(name, func(t *testing.T) {
			fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			ai, err := helper.FindProvider(fctx, tc.key, tc.want)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("FindProvider = %v, %v; want ErrNotFound", ai, err)
			}
		})
	}

	t.Run("a key that is not 32 bytes", func(t *testing.T) {
		for _, n := range []int{0, 31, 33, 64} {
			if err := alice.Provide(ctx, make([]byte, n), 0); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("Provide with a %d-byte key: err = %v, want a key-size error", n, err)
			}
			if _, err := helper.FindProvider(ctx, make([]byte, n), alice.ID()); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("FindProvider with a %d-byte key: err = %v, want a key-size error", n, err)
			}
		}
	})
}

// TestKeyCID pins how a discovery key becomes the DHT key: both sides of
// every released version must derive the same CID, so this must not change.
func TestKeyCID(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	c, err := keyCID(key)
	if err != nil {
		t.Fatal(err)
	}
	const want = "bafkreiaaaebagbafaydqqcikbmga2dqpcaireeyuculbogazdinryhi6d4"
	if got := c.String(); got != want {
		t.Errorf("keyCID = %s, want %s", got, want)
	}
}
