//go:build linux

package netlab

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Everything here builds real namespaces; New skips when not root.

func TestTopologyAndFirewall(t *testing.T) {
	t.Parallel()
	l := New(t, Options{Nodes: 2, Homes: []HomeSpec{{Name: "novice", NAT: Cone}, {Name: "helper", NAT: Cone}}})
	novice, helper := l.HostNS("novice"), l.HostNS("helper")

	t.Run("home reaches nodes", func(t *testing.T) {
		for i := range 2 {
			rtts, err := l.Ping(novice, l.NodeIP(i), 3, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if m := slices.Min(rtts); m > 15*time.Millisecond {
				t.Errorf("min RTT to node %d = %v without delay, want < 15 ms", i, m)
			}
		}
		if _, err := l.Ping(helper, l.NodeIP(0), 1, time.Second); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("private addresses never cross", func(t *testing.T) {
		if rtts, err := l.Ping(novice, l.HostIP("helper"), 1, 300*time.Millisecond); err == nil {
			t.Fatalf("ping from novice to helper's LAN address %s answered in %v", l.HostIP("helper"), rtts)
		}
		in := listen(t, l, helper, ":5001")
		out := listen(t, l, novice, ":5001")
		out.WriteTo([]byte("psst"), udpAddr(l.HostIP("helper"), 5001))
		if got, from, ok := recv(in, 300*time.Millisecond); ok {
			t.Fatalf("helper host got %q from %v sent to its private address", got, from)
		}
	})

	t.Run("nothing unsolicited gets in", func(t *testing.T) {
		if rtts, err := l.Ping(l.NodeNS(0), l.RouterWANIP("novice"), 1, 300*time.Millisecond); err == nil {
			t.Errorf("router WAN answered a ping from a node in %v; INPUT should drop it", rtts)
		}
		host := listen(t, l, novice, ":5000")
		n0 := listen(t, l, l.NodeNS(0), ":9000")
		n1 := listen(t, l, l.NodeNS(1), ":9000")
		wan := udpAddr(l.RouterWANIP("novice"), 5000)
		n0.WriteTo([]byte("unsolicited"), wan)
		if got, from, ok := recv(host, 300*time.Millisecond); ok {
			t.Fatalf("home host got unsolicited %q from %v", got, from)
		}

		// Once the host has sent to node 0, node 0's answer gets in, and
		// node 1's still does not (address-dependent filtering).
		host.WriteTo([]byte("hello"), udpAddr(l.NodeIP(0), 9000))
		got, from, ok := recv(n0, 2*time.Second)
		if !ok || string(got) != "hello" {
			t.Fatalf("node 0 did not get the host's packet (got %q)", got)
		}
		if from.IP.String() != l.RouterWANIP("novice") {
			t.Errorf("node 0 saw source %v, want the router's WAN %s", from, l.RouterWANIP("novice"))
		}
		n0.WriteTo([]byte("reply"), from)
		if got, _, ok := recv(host, 2*time.Second); !ok || string(got) != "reply" {
			t.Fatalf("host did not get node 0's reply (got %q)", got)
		}
		n1.WriteTo([]byte("intruder"), from)
		if got, from, ok := recv(host, 300*time.Millisecond); ok {
			t.Fatalf("host got %q from %v, a node it never sent to", got, from)
		}
	})

	t.Run("cone homes hole-punch and bytes are counted", func(t *testing.T) {
		l.ResetCounters()
		for _, h := range []string{"novice", "helper"} {
			if b, err := l.RouterBytes(h); err != nil || b != (Bytes{}) {
				t.Fatalf("RouterBytes(%s) after reset = %+v, %v; want zero", h, b, err)
			}
		}
		a := listen(t, l, novice, ":7000")
		b := listen(t, l, helper, ":7001")
		toB := udpAddr(l.RouterWANIP("helper"), 7001)
		toA := udpAddr(l.RouterWANIP("novice"), 7000)
		gotA, gotB := false, false
		for range 5 {
			a.WriteTo([]byte("from novice"), toB)
			b.WriteTo([]byte("from helper"), toA)
			if _, _, ok := recv(b, 200*time.Millisecond); ok {
				gotB = true
			}
			if _, _, ok := recv(a, 200*time.Millisecond); ok {
				gotA = true
			}
			if gotA && gotB {
				break
			}
		}
		if !gotA || !gotB {
			t.Fatalf("UDP hole punch between two cone homes failed: novice got %v, helper got %v", gotA, gotB)
		}
		// And some node traffic for the other counters.
		if _, err := l.Ping(novice, l.NodeIP(1), 2, time.Second); err != nil {
			t.Fatal(err)
		}
		bn, err := l.RouterBytes("novice")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("novice router bytes: %+v", bn)
		if bn.ToOtherHome == 0 || bn.FromOtherHome == 0 || bn.ToNodes == 0 || bn.FromNodes == 0 {
			t.Errorf("novice router counted %+v, want all four non-zero", bn)
		}
		// Two pings of 52 bytes (20 IP + 8 ICMP + 24 payload) each way.
		if bn.ToNodes != 2*52 || bn.FromNodes != 2*52 {
			t.Errorf("node bytes = %d out, %d in; want 104 each (two 52-byte pings)", bn.ToNodes, bn.FromNodes)
		}
	})

	t.Run("FlushConntrack drops only home-to-home flows", func(t *testing.T) {
		r := l.RouterNS("novice")
		if n := flows(t, l, r, "-d", l.RouterWANIP("helper")); n == 0 {
			t.Fatal("no conntrack entry toward the helper's router before the flush")
		}
		if n := flows(t, l, r, "-d", l.NodeIP(0)); n == 0 {
			t.Fatal("no conntrack entry toward node 0 before the flush")
		}
		l.FlushConntrack()
		for _, dir := range []string{"-d", "-s"} {
			if n := flows(t, l, r, dir, l.RouterWANIP("helper")); n != 0 {
				t.Errorf("%d entries %s %s left after FlushConntrack", n, dir, l.RouterWANIP("helper"))
			}
		}
		if n := flows(t, l, r, "-d", l.NodeIP(0)); n == 0 {
			t.Error("FlushConntrack deleted the entry toward node 0")
		}
		l.FlushConntrack() // nothing left to delete is not an error
	})

	t.Run("processes", func(t *testing.T) {
		p := l.Start(novice, "sh", []string{"-c", `printf 'name? '; read x; echo "got:$x"; ip -4 -o addr show dev eth0; exit 7`}, nil)
		if _, err := p.WaitFor(regexp.MustCompile(`^name\? $`), 5*time.Second); err != nil {
			t.Fatal(err) // a prompt without a newline counts
		}
		if err := p.WriteLine("alice"); err != nil {
			t.Fatal(err)
		}
		m, err := p.WaitFor(regexp.MustCompile(`got:(\w+)`), 5*time.Second)
		if err != nil || m[1] != "alice" {
			t.Fatalf("WaitFor = %q, %v", m, err)
		}
		if _, err := p.WaitFor(regexp.MustCompile(regexp.QuoteMeta(l.HostIP("novice"))+"/24"), 5*time.Second); err != nil {
			t.Fatalf("process does not run in the home host's namespace: %v", err)
		}
		if code, err := p.Wait(5 * time.Second); code != 7 || err != nil {
			t.Fatalf("Wait = %d, %v; want 7", code, err)
		}
		if _, err := p.WaitFor(regexp.MustCompile(`never printed`), time.Minute); err == nil || !strings.Contains(err.Error(), "exited with code 7") {
			t.Errorf("WaitFor after exit = %v, want an error saying it exited", err)
		}
		log, err := os.ReadFile(p.LogPath)
		if err != nil || !strings.Contains(string(log), "got:alice") {
			t.Errorf("log file %s: %q, %v", p.LogPath, log, err)
		}

		s := l.Start(l.NodeNS(0), "sh", []string{"-c", `echo tick; echo tick; sleep 600`}, nil)
		if _, err := s.WaitForNth(regexp.MustCompile(`^tick$`), 2, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.Stop()
		s.Stop()
		if d := time.Since(start); d > 3500*time.Millisecond {
			t.Errorf("Stop took %v", d)
		}
		if code, err := s.Wait(time.Second); err == nil {
			t.Errorf("Wait after Stop = %d, nil; want killed by a signal", code)
		}

		out, err := l.Run(novice, "ip", "route")
		if err != nil || !strings.Contains(out, "default via "+l.RouterLANIP("novice")) {
			t.Errorf("home host routes: %q, %v", out, err)
		}
		out, err = l.Run(l.RouterNS("novice"), "sysctl", "-n", "net.ipv4.ip_forward")
		if err != nil || strings.TrimSpace(out) != "1" {
			t.Errorf("router ip_forward = %q, %v", out, err)
		}
		out, err = l.Run(l.RouterNS("novice"), "ip", "route")
		if err != nil || strings.Contains(out, "default") {
			t.Errorf("router routes: %q, %v (want no default route)", out, err)
		}
	})
}

func TestNATMapping(t *testing.T) {
	t.Parallel()
	l := New(t, Options{Nodes: 3, Homes: []HomeSpec{{Name: "novice", NAT: Cone}, {Name: "helper", NAT: Hard}}})

	check := func(home string, port int, wantSame bool) {
		t.Helper()
		ports := observedPorts(t, l, home, port)
		same := ports[0] == ports[1] && ports[1] == ports[2]
		t.Logf("%s (%v) local port %d seen by the nodes as %v", home, l.NAT(home), port, ports)
		if same != wantSame {
			t.Errorf("%s (%v): nodes saw ports %v; want the same port: %v", home, l.NAT(home), ports, wantSame)
		}
		if wantSame && ports[0] != port {
			t.Errorf("%s (%v): port %d mapped to %d; MASQUERADE keeps free ports", home, l.NAT(home), port, ports[0])
		}
	}
	check("novice", 6000, true)
	check("helper", 6000, false)

	if err := l.SetNAT("helper", Cone); err != nil {
		t.Fatal(err)
	}
	if err := l.SetNAT("novice", Hard); err != nil {
		t.Fatal(err)
	}
	check("helper", 6001, true)
	check("novice", 6001, false)
	if err := l.SetNAT("nobody", Cone); err == nil {
		t.Error("SetNAT on an unknown home did not fail")
	}
}

// observedPorts sends from one local port of home's host to each node and
// returns the source port each node saw.
func observedPorts(t *testing.T, l *Lab, home string, port int) []int {
	t.Helper()
	src := listen(t, l, l.HostNS(home), ":"+strconv.Itoa(port))
	defer src.Close()
	var ports []int
	for i := range l.opts.Nodes {
		dst := listen(t, l, l.NodeNS(i), ":9100")
		src.WriteTo([]byte("which port?"), udpAddr(l.NodeIP(i), 9100))
		_, from, ok := recv(dst, 2*time.Second)
		dst.Close()
		if !ok {
			t.Fatalf("node %d got nothing from %s", i, home)
		}
		if from.IP.String() != l.RouterWANIP(home) {
			t.Fatalf("node %d saw source %v, want %s's WAN address", i, from, home)
		}
		ports = append(ports, from.Port)
	}
	return ports
}

func TestDelay(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	l := New(t, Options{Nodes: 1, Homes: []HomeSpec{{Name: "novice", NAT: Cone}, {Name: "helper", NAT: Cone}}, DelayMS: 20})
	novice, helper := l.HostNS("novice"), l.HostNS("helper")

	t.Run("home to node", func(t *testing.T) {
		rtts, err := l.Ping(novice, l.NodeIP(0), 9, time.Second)
		if len(rtts) < 5 {
			t.Fatalf("%d of 9 pings answered: %v", len(rtts), err)
		}
		slices.Sort(rtts)
		t.Logf("home to node RTTs: %v", rtts)
		if rtts[0] < delay {
			t.Errorf("min RTT %v, want >= %v", rtts[0], delay)
		}
		if med := rtts[len(rtts)/2]; med >= 60*time.Millisecond {
			t.Errorf("median RTT %v, want < 60 ms", med)
		}
	})

	t.Run("home to home", func(t *testing.T) {
		a := listen(t, l, novice, ":7000")
		b := listen(t, l, helper, ":7001")
		toB := udpAddr(l.RouterWANIP("helper"), 7001)
		toA := udpAddr(l.RouterWANIP("novice"), 7000)
		b.WriteTo([]byte("open"), toA) // dropped by novice's router, opens helper's
		time.Sleep(50 * time.Millisecond)
		// The helper echoes everything; the novice times each numbered
		// ping and skips late answers to earlier ones.
		go func() {
			buf := make([]byte, 64)
			for {
				b.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, from, err := b.ReadFromUDP(buf)
				if err != nil {
					return
				}
				b.WriteTo(buf[:n], from)
			}
		}()
		var rtts []time.Duration
		buf := make([]byte, 64)
		for i := range 9 {
			start := time.Now()
			a.WriteTo([]byte{byte(i)}, toB)
			a.SetReadDeadline(start.Add(time.Second))
			for {
				n, _, err := a.ReadFromUDP(buf)
				if err != nil {
					break
				}
				if n == 1 && buf[0] == byte(i) {
					rtts = append(rtts, time.Since(start))
					break
				}
			}
		}
		if len(rtts) < 5 {
			t.Fatalf("only %d of 9 home-to-home round trips", len(rtts))
		}
		slices.Sort(rtts)
		t.Logf("home to home RTTs: %v", rtts)
		if rtts[0] < 2*delay || rtts[len(rtts)/2] >= 100*time.Millisecond {
			t.Errorf("home-to-home RTTs %v, want >= %v and a median < 100 ms", rtts, 2*delay)
		}
	})

	t.Run("10k packets per second, in order", func(t *testing.T) {
		host := listen(t, l, novice, ":8000")
		host.SetReadBuffer(4 << 20)
		node := listen(t, l, l.NodeNS(0), ":9200")
		host.WriteTo([]byte("open"), udpAddr(l.NodeIP(0), 9200))
		_, wan, ok := recv(node, 2*time.Second)
		if !ok {
			t.Fatal("node got nothing from the home")
		}

		const total, rate = 15000, 10000
		got := make(chan []uint32)
		go func() {
			var seqs []uint32
			buf := make([]byte, 2048)
			for {
				host.SetReadDeadline(time.Now().Add(time.Second))
				n, _, err := host.ReadFromUDP(buf)
				if err != nil {
					got <- seqs
					return
				}
				if n >= 4 {
					seqs = append(seqs, binary.BigEndian.Uint32(buf))
				}
			}
		}()
		msg := make([]byte, 200)
		start := time.Now()
		for i := range total {
			if i%20 == 0 {
				if ahead := time.Duration(i)*time.Second/rate - time.Since(start); ahead > 0 {
					time.Sleep(ahead)
				}
			}
			binary.BigEndian.PutUint32(msg, uint32(i))
			if _, err := node.WriteTo(msg, wan); err != nil {
				t.Fatal(err)
			}
		}
		sendTime := time.Since(start)
		seqs := <-got
		reordered := 0
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				reordered++
			}
		}
		t.Logf("sent %d in %v, received %d, %d out of order", total, sendTime.Round(time.Millisecond), len(seqs), reordered)
		if reordered > 0 {
			t.Errorf("%d packets out of order", reordered)
		}
		if lost := total - len(seqs); lost > total/200 {
			t.Errorf("%d of %d packets lost", lost, total)
		}
		p := l.delayProc("novice")
		if p == nil {
			t.Fatal("no nfdelay process in the novice router")
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status); m != nil {
			kb, _ := strconv.Atoi(string(m[1]))
			t.Logf("nfdelay RSS %d kB", kb)
			if kb > 64<<10 {
				t.Errorf("nfdelay RSS %d kB after %d packets", kb, total)
			}
		}
		p.Stop()
		m, err := p.WaitFor(regexp.MustCompile(`done packets=(\d+) dropped=\d+ failopen=(\d+) verdict_errors=(\d+)`), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("nfdelay: %s", m[0])
		if n, _ := strconv.Atoi(m[1]); n < total {
			t.Errorf("nfdelay saw %s packets, want >= %d", m[1], total)
		}
		if m[2] != "0" || m[3] != "0" {
			t.Errorf("nfdelay: %s; want no fail-open and no verdict errors", m[0])
		}
		if code, err := p.Wait(time.Second); code != 0 || err != nil {
			t.Errorf("nfdelay exit = %d, %v; want 0 after SIGINT", code, err)
		}
		// With nfdelay gone, --queue-bypass lets packets through undelayed.
		rtts, err := l.Ping(novice, l.NodeIP(0), 3, time.Second)
		if err != nil {
			t.Fatalf("no traffic after nfdelay stopped: %v", err)
		}
		if slices.Min(rtts) >= delay {
			t.Errorf("RTTs %v after nfdelay stopped, want below %v", rtts, delay)
		}
	})
}

// TestCleanupAfterFailure runs TestHelperFailingLab in a child test process
// that fails in different ways, and checks what it leaves behind.
func TestCleanupAfterFailure(t *testing.T) {
	t.Parallel()
	if reason := unusable(); reason != "" {
		t.Skip("needs root: " + reason)
	}
	for _, mode := range []string{"fatal", "panic", "exit"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFailingLab$", "-test.v", "-test.count=1", "-test.timeout=60s")
			cmd.Env = append(os.Environ(), "NETLAB_HELPER_MODE="+mode)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("helper passed:\n%s", out)
			}
			m := regexp.MustCompile(`LAB (\S+) PID (\d+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("helper printed no lab:\n%s", out)
			}
			prefix := string(m[1])
			pid, _ := strconv.Atoi(string(m[2]))
			if mode == "exit" {
				// No cleanup ran: the namespaces stay until the next New.
				if len(namespacesWith(t, prefix)) == 0 {
					t.Fatalf("namespaces of %s vanished without cleanup?", prefix)
				}
				New(t, Options{})
			} else if mode == "fatal" && !strings.Contains(string(out), "netlab: output of sleep") {
				// (During a panic, cleanups run before the test is marked
				// failed, so nothing is dumped then.)
				t.Errorf("the failed helper did not log its processes' output:\n%s", out)
			}
			if left := namespacesWith(t, prefix); len(left) > 0 {
				t.Errorf("namespaces left after the helper %s: %v", mode, left)
			}
			deadline := time.Now().Add(3 * time.Second)
			for alive(pid) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(pid) {
				t.Errorf("process %d started by the helper still runs", pid)
			}
		})
	}
}

func TestHelperFailingLab(t *testing.T) {
	mode := os.Getenv("NETLAB_HELPER_MODE")
	if mode == "" {
		t.Skip("helper process for TestCleanupAfterFailure")
	}
	l := New(t, Options{Nodes: 1, Homes: []HomeSpec{{Name: "home", NAT: Hard}}})
	p := l.Start(l.HostNS("home"), "sleep", []string{"600"}, nil)
	fmt.Printf("LAB %s PID %d\n", l.Prefix(), p.Pid())
	switch mode {
	case "fatal":
		t.Fatal("failing on purpose")
	case "panic":
		panic("panicking on purpose")
	case "exit":
		os.Exit(3)
	}
}

func TestParseAcct(t *testing.T) {
	out := `Chain ACCT (1 references)
    pkts      bytes target     prot opt in     out     source               destination
       3      156            all  --  *      wan     0.0.0.0/0            203.0.113.101        /* to-home */
       2      104            all  --  wan    *       203.0.113.101        0.0.0.0/0            /* from-home */
       1       52            all  --  *      wan     0.0.0.0/0            203.0.113.10         /* to-node */
       4     1000            all  --  *      wan     0.0.0.0/0            203.0.113.11         /* to-node */
       0        0            all  --  wan    *       203.0.113.10         0.0.0.0/0            /* from-node */
`
	b, err := parseAcct(out)
	want := Bytes{ToOtherHome: 156, FromOtherHome: 104, ToNodes: 1052}
	if err != nil || b != want {
		t.Fatalf("parseAcct = %+v, %v; want %+v", b, err, want)
	}
}

func listen(t *testing.T, l *Lab, ns, addr string) *net.UDPConn {
	t.Helper()
	c, err := l.ListenUDP(ns, addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func udpAddr(ip string, port int) *net.UDPAddr {
	return &net.UDPAddr{IP: net.ParseIP(ip), Port: port}
}

// recv reads one datagram, or reports false after timeout.
func recv(c *net.UDPConn, timeout time.Duration) ([]byte, *net.UDPAddr, bool) {
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(timeout))
	n, from, err := c.ReadFromUDP(buf)
	if err != nil {
		return nil, nil, false
	}
	return buf[:n], from, true
}

// flows counts the conntrack entries in ns that match a filter such as
// "-d", "203.0.113.101".
func flows(t *testing.T, l *Lab, ns string, filter ...string) int {
	t.Helper()
	out, err := l.Run(ns, append([]string{"conntrack", "-L"}, filter...)...)
	if err != nil {
		t.Fatalf("conntrack -L: %v: %s", err, out)
	}
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "udp" || f[0] == "tcp" || f[0] == "icmp") {
			n++
		}
	}
	return n
}

func namespacesWith(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v: %s", err, out)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix+"-") {
			names = append(names, f[0])
		}
	}
	return names
}
