//go:build !linux

package p2p

import (
	"errors"
	"net"
)

// writeWithTTL is Linux-only for now: elsewhere no opening packet is sent
// and DCUtR runs as it does without one.
func writeWithTTL(*net.UDPConn, []byte, *net.UDPAddr, int) error { return errors.ErrUnsupported }
