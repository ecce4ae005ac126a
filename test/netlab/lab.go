//go:build linux

package netlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// NATKind is how a home router maps its hosts' ports.
type NATKind int

const (
	// Cone is plain MASQUERADE: the local port is kept and the mapping is the
	// same for every destination.
	Cone NATKind = iota
	// Hard is MASQUERADE --random-fully: a random port per destination.
	Hard
)

func (k NATKind) String() string {
	switch k {
	case Cone:
		return "cone"
	case Hard:
		return "hard"
	}
	return "NATKind(" + strconv.Itoa(int(k)) + ")"
}

// HomeSpec is one home: a router and a host behind it.
type HomeSpec struct {
	// Name is short, lower case letters, digits and '-', e.g. "novice".
	Name string
	NAT  NATKind
	// UPnP runs miniupnpd in the router: it forwards ports on request
	// (UPnP IGD and NAT-PMP), whatever NAT does to other traffic.
	UPnP bool
	// IPv6 makes this home dual-stack (see Options.IPv6, which makes every
	// home so); IPv6 is routed between dual-stack homes only.
	IPv6 bool
	// Answering routers have no input firewall on the WAN: a packet to the
	// router's own address that no flow expects is answered (ICMP port
	// unreachable, TCP RST) instead of dropped. Conntrack then remembers it
	// as a flow to the router, and a LAN host's later flow with the same
	// addresses and ports is given another port: what DCUtR's simultaneous
	// open meets at such routers when the peer's packet arrives first.
	Answering bool
}

// Options describes a lab. The zero value is an empty internet.
type Options struct {
	// Nodes is the number of public nodes: 203.0.113.10, .11, ...
	Nodes int
	// Homes get, in order, router WAN 203.0.113.100+i and LAN
	// 192.168.(i+1).0/24 with the router at .1 and the host at .2.
	Homes []HomeSpec
	// DelayMS, if above 0, is how long each router holds every packet
	// arriving on its WAN (test/nfdelay). 0 means no added delay.
	DelayMS int
	// JitterMS holds each packet DelayMS give or take up to JitterMS (never
	// before the packet ahead of it); Loss drops that share (0..1) of the
	// packets arriving at each router, each on its own chance.
	JitterMS int
	Loss     float64
	// NFDelayPath is a built test/nfdelay binary, used when DelayMS,
	// JitterMS or Loss is above 0.
	// Empty means $RA_NFDELAY, or else one built with go build once per
	// test binary.
	NFDelayPath string
	// IPv6 makes the homes dual-stack: home i gets 2001:db8:(i+1)::/64
	// (router ::1, host ::2), routed between the routers' WAN addresses
	// 2001:db8::(100+i) on the bridge, with no NAT but a home firewall
	// (outbound allowed, only replies back in, ICMPv6 allowed). The public
	// nodes stay IPv4-only.
	IPv6 bool
}

const (
	firstNodeHost  = 10
	firstRouterWAN = 100
	maxNodes       = firstRouterWAN - firstNodeHost
	maxHomes       = 254 - firstRouterWAN
	acctChain      = "ACCT"
	cmdTimeout     = 60 * time.Second
)

var validHomeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,19}$`)

type home struct {
	name   string
	idx    int
	router string // namespace names
	host   string
	wanIP  string
	lanIP  string // the router's LAN address
	hostIP string
	nat    NATKind
	upnp   bool
	ipv6   bool
	answer bool
}

// Lab is a running set of namespaces. Its methods may be called from any
// goroutine, except those that end the test (New, Start and the accessors
// that fail on a bad name), which follow testing.TB's rules.
type Lab struct {
	tb     testing.TB
	prefix string
	opts   Options
	logDir string
	inet   string
	nodes  []string // namespace names
	homes  []*home

	mu         sync.Mutex
	namespaces []string // every name this Lab may have created
	procs      []*Proc
	closers    []io.Closer
	seq        int
	closed     bool
}

var labSeq atomic.Int64

// New builds the lab described by opts, or skips the test when not root or
// when `ip netns` cannot be used. Everything it makes is removed by a
// tb.Cleanup, also when the test fails.
func New(tb testing.TB, opts Options) *Lab {
	tb.Helper()
	if reason := unusable(); reason != "" {
		tb.Skip("needs root: " + reason)
	}
	if err := validate(opts); err != nil {
		tb.Fatalf("netlab: %v", err)
	}
	for _, tool := range []string{"iptables", "iptables-restore", "ip6tables-restore", "conntrack", "sysctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("netlab: %s not found (install iptables, conntrack and procps): %v", tool, err)
		}
	}
	sweepStale(tb)

	l := &Lab{
		tb:     tb,
		prefix: fmt.Sprintf("ra%dx%d", os.Getpid(), labSeq.Add(1)),
		opts:   opts,
	}
	// TempDir first: its removal must run after our cleanup, which stops
	// the processes still writing their logs there.
	l.logDir = tb.TempDir()
	tb.Cleanup(l.close)

	start := time.Now()
	if err := l.build(); err != nil {
		var skip skipError
		if errors.As(err, &skip) {
			tb.Skip("needs root: " + skip.Error())
		}
		tb.Fatalf("netlab: building lab %s: %v", l.prefix, err)
	}
	if err := l.startUPnP(); err != nil {
		tb.Fatalf("netlab: starting UPnP routers in lab %s: %v", l.prefix, err)
	}
	if opts.DelayMS > 0 || opts.JitterMS > 0 || opts.Loss > 0 {
		if err := l.startDelays(); err != nil {
			tb.Fatalf("netlab: starting the delay in lab %s: %v", l.prefix, err)
		}
	}
	tb.Logf("netlab: lab %s up in %v (%d nodes, %d homes, delay %d ms)",
		l.prefix, time.Since(start).Round(time.Millisecond), opts.Nodes, len(opts.Homes), opts.DelayMS)
	return l
}

type skipError struct{ error }

func unusable() string {
	if uid := os.Geteuid(); uid != 0 {
		return fmt.Sprintf("running as uid %d; network namespaces need root", uid)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "ip (iproute2) not found"
	}
	if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
		return fmt.Sprintf("`ip netns list` failed: %v: %s", err, bytes.TrimSpace(out))
	}
	return ""
}

func validate(opts Options) error {
	if opts.Nodes < 0 || opts.Nodes > maxNodes {
		return fmt.Errorf("Nodes = %d, want 0..%d", opts.Nodes, maxNodes)
	}
	if len(opts.Homes) > maxHomes {
		return fmt.Errorf("%d homes, want at most %d", len(opts.Homes), maxHomes)
	}
	if opts.DelayMS < 0 || opts.JitterMS < 0 || opts.Loss < 0 || opts.Loss > 1 {
		return fmt.Errorf("DelayMS = %d, JitterMS = %d, Loss = %g: want delays >= 0, loss 0..1", opts.DelayMS, opts.JitterMS, opts.Loss)
	}
	seen := map[string]bool{}
	for _, h := range opts.Homes {
		if !validHomeName.MatchString(h.Name) {
			return fmt.Errorf("home name %q: want 1-20 of [a-z0-9-], starting with a letter or digit", h.Name)
		}
		if seen[h.Name] {
			return fmt.Errorf("home %q given twice", h.Name)
		}
		seen[h.Name] = true
		if h.NAT != Cone && h.NAT != Hard {
			return fmt.Errorf("home %q: unknown NAT kind %v", h.Name, h.NAT)
		}
	}
	return nil
}

// Prefix is the start of every namespace name of this lab, "ra<pid>x<n>".
func (l *Lab) Prefix() string { return l.prefix }

// InetNS is the namespace holding the bridge.
func (l *Lab) InetNS() string { return l.inet }

// NodeNS is the namespace of public node i.
func (l *Lab) NodeNS(i int) string {
	l.tb.Helper()
	if i < 0 || i >= len(l.nodes) {
		l.tb.Fatalf("netlab: no node %d (lab has %d)", i, len(l.nodes))
	}
	return l.nodes[i]
}

// NodeIP is the address of public node i, 203.0.113.(10+i).
func (l *Lab) NodeIP(i int) string {
	l.tb.Helper()
	l.NodeNS(i)
	return nodeIP(i)
}

func nodeIP(i int) string { return fmt.Sprintf("203.0.113.%d", firstNodeHost+i) }

// HostNS is the namespace of the host inside home.
func (l *Lab) HostNS(home string) string { l.tb.Helper(); return l.home(home).host }

// HostIP is the LAN address of the host inside home, 192.168.(i+1).2.
func (l *Lab) HostIP(home string) string { l.tb.Helper(); return l.home(home).hostIP }

// RouterNS is the namespace of home's router.
func (l *Lab) RouterNS(home string) string { l.tb.Helper(); return l.home(home).router }

// RouterWANIP is the public address of home's router, 203.0.113.(100+i).
func (l *Lab) RouterWANIP(home string) string { l.tb.Helper(); return l.home(home).wanIP }

// RouterLANIP is the LAN address of home's router, 192.168.(i+1).1.
func (l *Lab) RouterLANIP(home string) string { l.tb.Helper(); return l.home(home).lanIP }

func (l *Lab) home(name string) *home {
	l.tb.Helper()
	h, err := l.findHome(name)
	if err != nil {
		l.tb.Fatal(err)
	}
	return h
}

func (l *Lab) findHome(name string) (*home, error) {
	for _, h := range l.homes {
		if h.name == name {
			return h, nil
		}
	}
	return nil, fmt.Errorf("netlab: no home %q in lab %s", name, l.prefix)
}

// build creates the namespaces, links, addresses, routes and router rules.
func (l *Lab) build() error {
	l.inet = l.prefix + "-inet"
	for i := range l.opts.Nodes {
		l.nodes = append(l.nodes, fmt.Sprintf("%s-n%d", l.prefix, i))
	}
	for i, hs := range l.opts.Homes {
		l.homes = append(l.homes, &home{
			name:   hs.Name,
			idx:    i,
			router: l.prefix + "-r-" + hs.Name,
			host:   l.prefix + "-h-" + hs.Name,
			wanIP:  fmt.Sprintf("203.0.113.%d", firstRouterWAN+i),
			lanIP:  fmt.Sprintf("192.168.%d.1", i+1),
			hostIP: fmt.Sprintf("192.168.%d.2", i+1),
			nat:    hs.NAT,
			upnp:   hs.UPnP,
			ipv6:   hs.IPv6 || l.opts.IPv6,
			answer: hs.Answering,
		})
	}
	all := []string{l.inet}
	all = append(all, l.nodes...)
	for _, h := range l.homes {
		all = append(all, h.router, h.host)
	}
	l.mu.Lock()
	l.namespaces = all
	l.mu.Unlock()

	// The first namespace tells whether we may make namespaces at all.
	if out, err := command(nil, "ip", "netns", "add", l.inet); err != nil {
		return skipError{fmt.Errorf("`ip netns add` failed: %v: %s", err, out)}
	}
	var adds strings.Builder
	for _, ns := range all[1:] {
		fmt.Fprintf(&adds, "netns add %s\n", ns)
	}
	if err := ipBatch("", adds.String()); err != nil {
		return err
	}

	// The internet: a bridge, one veth per node and per router WAN. Each
	// veth is made inside inet with its peer sent straight to the other
	// namespace, so nothing appears in the host's namespace.
	var b strings.Builder
	b.WriteString("link set lo up\nlink add br0 type bridge\nlink set br0 up\n")
	for i, ns := range l.nodes {
		fmt.Fprintf(&b, "link add n%d type veth peer name eth0 netns %s\n", i, ns)
		fmt.Fprintf(&b, "link set n%d master br0 up\n", i)
	}
	for i, h := range l.homes {
		fmt.Fprintf(&b, "link add r%d type veth peer name wan netns %s\n", i, h.router)
		fmt.Fprintf(&b, "link set r%d master br0 up\n", i)
	}
	if err := ipBatch(l.inet, b.String()); err != nil {
		return err
	}

	for i, ns := range l.nodes {
		if err := ipBatch(ns, fmt.Sprintf(
			"link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n", nodeIP(i))); err != nil {
			return err
		}
	}
	for _, h := range l.homes {
		if err := ipBatch(h.router, fmt.Sprintf(
			"link set lo up\naddr add %s/24 dev wan\nlink set wan up\n"+
				"link add lan type veth peer name eth0 netns %s\n"+
				"addr add %s/24 dev lan\nlink set lan up\n",
			h.wanIP, h.host, h.lanIP)); err != nil {
			return err
		}
		if err := ipBatch(h.host, fmt.Sprintf(
			"link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\nroute add default via %s\n",
			h.hostIP, h.lanIP)); err != nil {
			return err
		}
		if out, err := l.exec(h.router, nil, "sysctl", "-qw", "net.ipv4.ip_forward=1"); err != nil {
			return fmt.Errorf("enabling forwarding in %s: %v: %s", h.router, err, out)
		}
		if out, err := l.exec(h.router, strings.NewReader(l.routerRules(h)), "iptables-restore"); err != nil {
			return fmt.Errorf("loading router rules in %s: %v: %s", h.router, err, out)
		}
	}
	return l.buildIPv6()
}

func routerWAN6(i int) string  { return fmt.Sprintf("2001:db8::%d", firstRouterWAN+i) }
func homePrefix6(i int) string { return fmt.Sprintf("2001:db8:%d::", i+1) }

// HostIP6 is the IPv6 address of the host inside home (Options.IPv6).
func (l *Lab) HostIP6(home string) string { l.tb.Helper(); return homePrefix6(l.home(home).idx) + "2" }

// buildIPv6 adds the homes' IPv6 addresses, routes and firewalls.
func (l *Lab) buildIPv6() error {
	for i, h := range l.homes {
		if !h.ipv6 {
			continue
		}
		// nodad: the addresses are usable at once (no duplicate detection wait).
		var b strings.Builder
		fmt.Fprintf(&b, "addr add %s/64 dev wan nodad\naddr add %s1/64 dev lan nodad\n", routerWAN6(i), homePrefix6(i))
		for j, o := range l.homes {
			if o != h && o.ipv6 {
				fmt.Fprintf(&b, "route add %s/64 via %s\n", homePrefix6(j), routerWAN6(j))
			}
		}
		if err := ipBatch(h.router, b.String()); err != nil {
			return err
		}
		if err := ipBatch(h.host, fmt.Sprintf("addr add %s2/64 dev eth0 nodad\nroute add default via %s1\n",
			homePrefix6(i), homePrefix6(i))); err != nil {
			return err
		}
		if out, err := l.exec(h.router, nil, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"); err != nil {
			return fmt.Errorf("enabling IPv6 forwarding in %s: %v: %s", h.router, err, out)
		}
		if out, err := l.exec(h.router, strings.NewReader(firewall6), "ip6tables-restore"); err != nil {
			return fmt.Errorf("loading IPv6 firewall in %s: %v: %s", h.router, err, out)
		}
	}
	return nil
}

// firewall6 is a home router's IPv6 firewall (RECIPES.md §E): no NAT,
// outbound allowed, only replies and ICMPv6 inbound.
const firewall6 = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p ipv6-icmp -j ACCEPT
-A FORWARD -i lan -o wan -j ACCEPT
-A FORWARD -i wan -o lan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -i lan -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
COMMIT
`

// ipBatch runs ip commands, one a line, inside namespace ns ("" = none).
func ipBatch(ns, cmds string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	if out, err := command(strings.NewReader(cmds), "ip", args...); err != nil {
		return fmt.Errorf("ip %s: %v: %s\ncommands:\n%s", strings.Join(args, " "), err, out, cmds)
	}
	return nil
}

// command runs a short command with a timeout and returns its combined
// output.
func command(stdin io.Reader, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (killed after %v)", err, cmdTimeout)
	}
	return string(out), err
}

// exec runs a command inside namespace ns.
func (l *Lab) exec(ns string, stdin io.Reader, args ...string) (string, error) {
	return command(stdin, "ip", append([]string{"netns", "exec", ns}, args...)...)
}

// Run runs a one-shot command inside namespace ns and returns its combined
// stdout and stderr. It is killed after 60 s. A non-zero exit is an error
// (*exec.ExitError, with the output still returned).
func (l *Lab) Run(ns string, args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("netlab: Run needs a command")
	}
	return l.exec(ns, nil, args...)
}

// close is the tb.Cleanup of New.
func (l *Lab) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	procs := append([]*Proc(nil), l.procs...)
	closers := l.closers
	namespaces := l.namespaces
	l.mu.Unlock()

	for _, c := range closers {
		c.Close()
	}
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(p.Stop)
	}
	wg.Wait()

	if l.tb.Failed() {
		for _, p := range procs {
			l.tb.Logf("netlab: output of %s in %s (%s):\n%s", p.Name, p.NS, p.describeExit(), tail(p.Output(), 64<<10))
		}
	}

	var left []string
	for i := len(namespaces) - 1; i >= 0; i-- {
		ns := namespaces[i]
		if !nsExists(ns) {
			continue
		}
		killAllIn(ns)
		if out, err := command(nil, "ip", "netns", "del", ns); err != nil && nsExists(ns) {
			left = append(left, fmt.Sprintf("%s (%v: %s)", ns, err, strings.TrimSpace(out)))
		}
	}
	if len(left) > 0 {
		l.tb.Errorf("netlab: could not delete namespaces: %s", strings.Join(left, "; "))
	}
}

func nsExists(ns string) bool {
	_, err := os.Stat(filepath.Join("/run/netns", ns))
	return err == nil
}

// killAllIn SIGKILLs every process left inside namespace ns (only ever one of
// ours: children that left their process group, or leftovers of a dead test
// process) and waits briefly for them to go.
func killAllIn(ns string) {
	out, err := command(nil, "ip", "netns", "pids", ns)
	if err != nil {
		return
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			pids = append(pids, pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// alive tells whether a process exists (zombies count as alive).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

var labName = regexp.MustCompile(`^ra(\d+)x\d+-`)

// sweepStale deletes namespaces of labs whose test process is gone (killed
// before its cleanups could run).
func sweepStale(tb testing.TB) {
	out, err := command(nil, "ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		name := f[0]
		m := labName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		killAllIn(name)
		if _, err := command(nil, "ip", "netns", "del", name); err == nil {
			tb.Logf("netlab: deleted stale namespace %s (its test process %d is gone)", name, pid)
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[… " + strconv.Itoa(len(s)-n) + " bytes cut …]\n" + s[len(s)-n:]
}
