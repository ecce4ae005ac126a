//go:build linux

package test

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// BenchmarkFileTransfer measures Send a File (issue 11) in the two-home
// namespace topology against a plain TCP copy over the same path in the
// same run (the copy goes through a port forwarded on the novice's router;
// ra-p2p goes over its hole-punched direct connection): the goodput of a
// file from the helper to the novice, from the novice's "y" to "received,
// verified", and both programs' largest RSS meanwhile. Two links: a home
// link (the helper's uplink shaped to 50 Mbit/s with tbf, 20 ms per
// router) and unshaped (a CPU bound). RA_P2P_BENCH_FILE_MB sets the file's
// size (default 1024). Targets: ≥ 0.97× the copy on the home link, ≥ 0.8×
// unshaped, RSS < 100 MB.
func BenchmarkFileTransfer(b *testing.B) {
	size := int64(1024) << 20
	if mb, err := strconv.Atoi(os.Getenv("RA_P2P_BENCH_FILE_MB")); err == nil && mb > 0 {
		size = int64(mb) << 20
	}
	src := filepath.Join(b.TempDir(), "data.bin")
	writeRandomFile(b, src, size)
	for _, tc := range []struct {
		name   string
		delay  int
		rate   string
		target float64
	}{{"home link 50 Mbit/s, 20 ms per router", 20, "50mbit", 0.97}, {"unshaped", 0, "", 0.8}} {
		b.Run(tc.name, func(b *testing.B) {
			w := newWorld(b, netlab.Options{Nodes: 2, DelayMS: tc.delay,
				Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
			if tc.rate != "" {
				if _, err := w.lab.Run(w.lab.RouterNS("helper"), "tc", "qdisc", "add", "dev", "wan", "root", "tbf",
					"rate", tc.rate, "burst", "64kb", "latency", "100ms"); err != nil {
					b.Fatal(err)
				}
			}
			plain := plainTCPCopy(b, w, src, size)
			p2p, rssSend, rssRecv := raP2PCopy(b, w, src, size)
			ratio := plain.Seconds() / p2p.Seconds()
			mbit := func(d time.Duration) string { return fmt.Sprintf("%.1f Mbit/s", float64(size)*8/d.Seconds()/1e6) }
			row(b, fmt.Sprintf("file goodput, %d MiB, %s", size>>20, tc.name),
				fmt.Sprintf("%s vs TCP copy %s: %.3f×", mbit(p2p), mbit(plain), ratio), fmt.Sprintf("≥ %.2f×", tc.target), ratio >= tc.target)
			row(b, fmt.Sprintf("largest RSS while a file moves, %s", tc.name),
				fmt.Sprintf("sender %.1f MB, receiver %.1f MB", rssSend, rssRecv), "< 100 MB", rssSend < 100 && rssRecv < 100)
		})
	}
}

// writeRandomFile writes size random bytes to path.
func writeRandomFile(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
}

// plainTCPCopy copies the file at src from the helper's host to the
// novice's over TCP, through a port forwarded on the novice's router, and
// returns how long the novice took to receive it all.
func plainTCPCopy(b *testing.B, w *world, src string, size int64) time.Duration {
	const port = "5201"
	forwardTCP(b, w, "novice", port)
	var ln net.Listener
	if err := w.lab.Do(w.lab.HostNS("novice"), func() (err error) { ln, err = net.Listen("tcp", ":"+port); return err }); err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var got int64
	var done time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		got, _ = io.Copy(io.Discard, c)
		done = time.Now()
	})
	var c net.Conn
	if err := w.lab.Do(w.lab.HostNS("helper"), func() (err error) {
		c, err = net.Dial("tcp", w.lab.RouterWANIP("novice")+":"+port)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if _, err := io.Copy(c, f); err != nil {
		b.Fatal(err)
	}
	c.Close()
	wg.Wait()
	if got != size {
		b.Fatalf("the TCP copy moved %d bytes of %d", got, size)
	}
	return done.Sub(start)
}

// forwardTCP forwards TCP port on home's router to the same port of the
// home's host, as a person would for a server at home: connections to the
// router's WAN address reach the host.
func forwardTCP(b *testing.B, w *world, home, port string) {
	b.Helper()
	router, hostIP := w.lab.RouterNS(home), w.lab.HostIP(home)
	for _, rule := range [][]string{
		{"iptables", "-t", "nat", "-I", "PREROUTING", "-i", "wan", "-p", "tcp", "--dport", port, "-j", "DNAT", "--to-destination", hostIP + ":" + port},
		{"iptables", "-I", "FORWARD", "-i", "wan", "-o", "lan", "-p", "tcp", "-d", hostIP, "--dport", port, "-j", "ACCEPT"},
	} {
		if out, err := w.lab.Run(router, rule...); err != nil {
			b.Fatalf("%v: %v %s", rule, err, out)
		}
	}
}

// raP2PCopy sends the file at src from the helper to the novice with the
// real programs and returns the time from the novice's "y" to "received,
// verified", and the sender's and receiver's largest RSS meanwhile.
func raP2PCopy(b *testing.B, w *world, src string, size int64) (took time.Duration, rssSend, rssRecv float64) {
	downloads := b.TempDir()
	var listen []string
	if t := os.Getenv("RA_P2P_BENCH_TRANSPORT"); t != "" {
		listen = listenFor(t)
	}
	n := w.startNovice("novice", append([]string{"--yes", "--downloads", downloads}, listen...), nil)
	h := w.startHelper("helper", n.file, listen, nil)
	mustWait(b, n.proc, `Connected to Bob`, 30*time.Second)
	if err := h.WriteLine(`/send "` + src + `"`); err != nil {
		b.Fatal(err)
	}
	mustWait(b, n.proc, `Save it\? \[y/N\]`, 30*time.Second)
	if err := n.proc.WriteLine("y"); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				rssSend, rssRecv = max(rssSend, rssMB(b, h.Pid())), max(rssRecv, rssMB(b, n.proc.Pid()))
			}
		}
	})
	_, err := n.proc.WaitFor(regexp.MustCompile(`received from Bob, .* verified\.`), 30*time.Minute)
	took = time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatalf("%v\n%s", err, n.proc.Output())
	}
	fi, err := os.Stat(filepath.Join(downloads, filepath.Base(src)))
	if err != nil || fi.Size() != size {
		b.Fatalf("the received file: %v, %v", fi, err)
	}
	h.Stop()
	n.proc.Stop()
	return took, rssSend, rssRecv
}
