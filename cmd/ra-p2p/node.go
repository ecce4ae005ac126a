package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/ra-p2p/ra-p2p/p2p"
)

func runNode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("node", stderr)
	var common commonFlags
	common.register(fs)
	relaySessions := fs.Bool("relay-sessions", false, "also carry whole sessions for people who choose this node with --relay (for when no direct connection is possible; they see that they are relayed)")
	identity := fs.String("identity", "", "keep the node's key in `FILE` so its address stays the same (created if missing)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	logger := common.apply(stderr)
	if !common.verbose {
		// A node is a service: its log is its output.
		logger = newInfoLogger(stderr)
	}
	key, err := loadOrCreateKey(*identity)
	if err != nil {
		return err
	}
	peers, err := p2p.ParseAddrInfos(common.bootstrap)
	if err != nil {
		return usageError{err.Error()}
	}
	n, err := p2p.NewNode(p2p.NodeConfig{Identity: key, Listen: common.listen, Peers: peers, Logger: logger, RelaySessions: *relaySessions})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Node %s is running. Peers and users bootstrap with:\n", n.ID())
	for _, a := range n.Addrs() {
		fmt.Fprintf(stdout, "  --bootstrap %s\n", a)
	}
	if *relaySessions {
		fmt.Fprintln(stdout, "Session relaying is on: people who give this node with --relay (on both sides) may run whole sessions through it when no direct connection is possible.")
	}
	return n.Run(ctx)
}

// loadOrCreateKey reads a libp2p private key, or makes one and saves it (0600).
func loadOrCreateKey(path string) (crypto.PrivKey, error) {
	if path == "" {
		k, _, err := crypto.GenerateEd25519Key(nil)
		return k, err
	}
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := crypto.UnmarshalPrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("reading node key %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading node key: %w", err)
	}
	k, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		return nil, err
	}
	b, err = crypto.MarshalPrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("saving node key: %w", err)
	}
	return k, nil
}
