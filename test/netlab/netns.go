//go:build linux

package netlab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Do runs fn in this process on an OS thread that has joined network
// namespace ns, and returns fn's error. Sockets that fn creates belong to ns
// for their whole life, so Do is the way to open listeners and dial from
// inside the lab without a helper program. fn must not start goroutines
// that expect to be in ns (they run on other threads) and must not block
// for long.
func (l *Lab) Do(ns string, fn func() error) error {
	return inNetNS(ns, fn)
}

func inNetNS(ns string, fn func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		return fmt.Errorf("netlab: opening namespace %s: %w", ns, err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netlab: opening own namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netlab: entering namespace %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked, so it ends with this goroutine
			// instead of going back to the scheduler in the wrong
			// namespace.
			errc <- errors.Join(ferr, fmt.Errorf("netlab: leaving namespace %s: %w", ns, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// track makes the Lab's cleanup close c.
func (l *Lab) track(c io.Closer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return
	}
	l.closers = append(l.closers, c)
}

// ListenUDP opens a UDP socket in namespace ns bound to addr ("IP:port",
// ":port" or ":0"). The Lab's cleanup closes it; closing it earlier is fine.
func (l *Lab) ListenUDP(ns, addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	var c *net.UDPConn
	err = l.Do(ns, func() error {
		var err error
		c, err = net.ListenUDP("udp4", ua)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netlab: listening on udp %s in %s: %w", addr, ns, err)
	}
	l.track(c)
	return c, nil
}

// Ping sends count ICMP echo requests from namespace ns to ip, one after the
// other, each waiting up to timeout for its reply, and returns the round
// trip times of the replies. An error means at least one request got no
// reply; the times of the others are still returned.
func (l *Lab) Ping(ns, ip string, count int, timeout time.Duration) ([]time.Duration, error) {
	dst := net.ParseIP(ip).To4()
	if dst == nil {
		return nil, fmt.Errorf("netlab: ping: %q is not an IPv4 address", ip)
	}
	var c net.PacketConn
	err := l.Do(ns, func() error {
		var err error
		c, err = net.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netlab: opening an ICMP socket in %s: %w", ns, err)
	}
	defer c.Close()

	id := uint16(rand.Uint32())
	var rtts []time.Duration
	lost := 0
	buf := make([]byte, 1500)
	for seq := range count {
		msg := echoRequest(id, uint16(seq))
		sent := time.Now()
		if _, err := c.WriteTo(msg, &net.IPAddr{IP: dst}); err != nil {
			return rtts, fmt.Errorf("netlab: ping %s from %s: %w", ip, ns, err)
		}
		c.SetReadDeadline(sent.Add(timeout))
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				lost++
				break
			}
			// The IPv4 header is already stripped: type, code, checksum,
			// id, seq.
			if n >= 8 && buf[0] == 0 && buf[1] == 0 &&
				binary.BigEndian.Uint16(buf[4:]) == id && binary.BigEndian.Uint16(buf[6:]) == uint16(seq) &&
				from.(*net.IPAddr).IP.Equal(dst) {
				rtts = append(rtts, time.Since(sent))
				break
			}
		}
	}
	if lost > 0 {
		return rtts, fmt.Errorf("netlab: ping %s from %s: %d of %d requests got no reply within %v", ip, ns, lost, count, timeout)
	}
	return rtts, nil
}

func echoRequest(id, seq uint16) []byte {
	m := make([]byte, 8+24)
	m[0] = 8 // echo request
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], seq)
	copy(m[8:], "netlab ping netlab ping.")
	binary.BigEndian.PutUint16(m[2:], checksum(m))
	return m
}

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
