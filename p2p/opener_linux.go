package p2p

import (
	"encoding/binary"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// writeWithTTL sends b to dst from c with the IP time-to-live ttl for this
// one packet (an IP_TTL control message): the QUIC connections sharing the
// socket keep theirs.
func writeWithTTL(c *net.UDPConn, b []byte, dst *net.UDPAddr, ttl int) error {
	oob := make([]byte, unix.CmsgSpace(4))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.IPPROTO_IP, unix.IP_TTL
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint32(oob[unix.CmsgLen(0):], uint32(ttl))
	_, _, err := c.WriteMsgUDP(b, oob, dst)
	return err
}
