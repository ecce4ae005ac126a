package p2p

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// TestOpeningPacketTTL: the opening packet leaves with a TTL of 2, and
// the next packet from the same socket (QUIC's) with the socket's own.
func TestOpeningPacketTTL(t *testing.T) {
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	pc := ipv4.NewPacketConn(rx)
	if err := pc.SetControlMessage(ipv4.FlagTTL, true); err != nil {
		t.Fatal(err)
	}
	s := &quicSockets{log: testLogger()}
	c, err := s.listenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := rx.LocalAddr().(*net.UDPAddr)
	if err := writeWithTTL(c.(*net.UDPConn), []byte(openerPayload), dst, openerTTL); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteTo([]byte("quic"), dst); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_default_ttl")
	if err != nil {
		t.Fatal(err)
	}
	defaultTTL, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		payload string
		ttl     int
	}{{openerPayload, openerTTL}, {"quic", defaultTTL}} {
		buf := make([]byte, 64)
		_ = rx.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, cm, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf[:n]) != want.payload || cm == nil || cm.TTL != want.ttl {
			t.Errorf("packet %d: %q with TTL %v, want %q with TTL %d", i+1, buf[:n], cm, want.payload, want.ttl)
		}
	}
}
