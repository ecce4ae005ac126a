//go:build linux

package latency

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/procgroup"
)

// proc is a program the benchmark started. It leads its own process group
// (an xterm's shell and its children go with it), gets SIGKILL if the test
// binary dies, and is stopped by PID when stop is called or the benchmark ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
	once sync.Once
}

func startProc(tb testing.TB, env []string, name string, args ...string) *proc {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &tailBuffer{max: 256 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	tb.Cleanup(p.stop)
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the program's process group, then SIGKILL after 3 s.
func (p *proc) stop() {
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		if p.exited() { // reaped: its group's number may be someone else's
			procgroup.KillStragglers(pgid)
			return
		}
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
		// Children that outlived the leader (an xterm's shell loop).
		procgroup.KillStragglers(pgid)
	})
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits until the program's output matches re and returns the match.
func (p *proc) waitFor(tb testing.TB, re string, timeout time.Duration) []string {
	tb.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for {
		if m := rx.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		if p.exited() {
			tb.Fatalf("%s exited before printing %q:\n%s", p.name, re, p.out.String())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not print %q in %v:\n%s", p.name, re, timeout, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tailBuffer keeps the first and the last bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.buf.Len() > b.max {
		keep := b.buf.Bytes()[b.buf.Len()-b.max/2:]
		head := append([]byte(nil), b.buf.Bytes()[:b.max/4]...)
		b.buf.Reset()
		b.buf.Write(head)
		b.buf.WriteString("\n[…]\n")
		b.buf.Write(keep)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort asks the kernel for a free TCP port on loopback.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tcpSocket is one established TCP socket as `ss -tinpH` shows it.
type tcpSocket struct {
	local, peer string
	pids        []int
	bytesSent   int64
}

var (
	ssPidRe       = regexp.MustCompile(`pid=(\d+)`)
	ssBytesSentRe = regexp.MustCompile(`\bbytes_sent:(\d+)`)
)

// parseSS reads `ss -tinpH state established`: a line per socket
// ("Recv-Q Send-Q local peer users:((…,pid=N,…))") followed by an indented
// line of TCP info (bytes_sent:N, absent while 0).
func parseSS(out string) []tcpSocket {
	var socks []tcpSocket
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(socks) > 0 {
				if m := ssBytesSentRe.FindStringSubmatch(line); m != nil {
					socks[len(socks)-1].bytesSent, _ = strconv.ParseInt(m[1], 10, 64)
				}
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		s := tcpSocket{local: f[2], peer: f[3]}
		for _, m := range ssPidRe.FindAllStringSubmatch(line, -1) {
			pid, _ := strconv.Atoi(m[1])
			s.pids = append(s.pids, pid)
		}
		socks = append(socks, s)
	}
	return socks
}

// sessionBytesSent sums bytes_sent of the sockets owned by one of the server
// processes whose other
// end is a socket owned by viewer: what the server put on the wire to the
// viewer (TCP payload, retransmissions included).
func sessionBytesSent(socks []tcpSocket, server []int, viewer int) (int64, int) {
	owns := func(s tcpSocket, pid int) bool {
		for _, p := range s.pids {
			if p == pid {
				return true
			}
		}
		return false
	}
	viewerEnds := map[string]bool{}
	for _, s := range socks {
		if owns(s, viewer) {
			viewerEnds[s.local+" "+s.peer] = true
		}
	}
	var sum int64
	n := 0
	for _, s := range socks {
		if slices.ContainsFunc(server, func(pid int) bool { return owns(s, pid) }) && viewerEnds[s.peer+" "+s.local] {
			sum += s.bytesSent
			n++
		}
	}
	return sum, n
}

func wireBytes(tb testing.TB, server []int, viewer int) int64 {
	tb.Helper()
	out, err := exec.Command("ss", "-tinpH", "state", "established").Output()
	if err != nil {
		tb.Fatalf("ss: %v", err)
	}
	sum, n := sessionBytesSent(parseSS(string(out)), server, viewer)
	if n == 0 {
		tb.Fatalf("no TCP connection from pid %v to pid %d in `ss -tinp`:\n%s", server, viewer, out)
	}
	return sum
}

// cpuTicks is utime+stime of a process, in clock ticks (USER_HZ, 100 on Linux).
func cpuTicks(tb testing.TB, pid int) int64 {
	tb.Helper()
	ticks, err := procTicks(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return ticks
}

// cpuTicksIfAlive is cpuTicks for a process that may have ended: 0 then.
func cpuTicksIfAlive(pid int) int64 {
	ticks, _ := procTicks(pid)
	return ticks
}

func procTicks(pid int) (int64, error) {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start after ")".
	f := strings.Fields(string(s[bytes.LastIndexByte(s, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st, nil
}

const ticksPerSecond = 100

// memMB reads VmRSS and VmHWM (peak RSS) of a process in MB.
func memMB(tb testing.TB, pid int) (rss, peak float64) {
	tb.Helper()
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	get := func(key string) float64 {
		m := regexp.MustCompile(key + `:\s+(\d+) kB`).FindSubmatch(s)
		if m == nil {
			tb.Fatalf("no %s in /proc/%d/status", key, pid)
		}
		kb, _ := strconv.ParseFloat(string(m[1]), 64)
		return kb / 1024
	}
	return get("VmRSS"), get("VmHWM")
}
