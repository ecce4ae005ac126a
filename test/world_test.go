//go:build linux

package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// binPath is the ra-p2p binary built once for this test process.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ra-p2p-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Both builds, as installed: the windowed ra-p2p execs ra-p2p-nogui
	// beside it when there is no display, as in the namespaces here.
	binPath = filepath.Join(dir, "ra-p2p")
	for _, b := range [][]string{
		{"build", "-o", binPath, "github.com/ra-p2p/ra-p2p/cmd/ra-p2p"},
		{"build", "-tags", "nogui", "-o", filepath.Join(dir, "ra-p2p-nogui"), "github.com/ra-p2p/ra-p2p/cmd/ra-p2p"},
	} {
		cmd := exec.Command("go", b...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building ra-p2p:", err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	closeWineKit()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireRoot skips (or, in CI, fails) when the namespace tests cannot run.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
			t.Fatal("this test needs root to build network namespaces, and RA_P2P_REQUIRE_ALL=1 forbids skipping it")
		}
		t.Skip("needs root to build network namespaces with NAT routers; run the suite as root (CI does)")
	}
}

// world is a lab with bootstrap nodes running.
type world struct {
	t         testing.TB
	lab       *netlab.Lab
	nodes     []*netlab.Proc
	bootstrap []string // full multiaddrs of the nodes, QUIC and TCP
}

var nodeIDRe = regexp.MustCompile(`Node (\S+) is running`)

func newWorld(t testing.TB, opts netlab.Options) *world {
	t.Helper()
	return newWorldWith(t, opts, nil)
}

// newWorldWith is newWorld with extra arguments for some nodes' `ra-p2p node`.
func newWorldWith(t testing.TB, opts netlab.Options, nodeArgs map[int][]string) *world {
	t.Helper()
	requireRoot(t)
	lab := netlab.New(t, opts)
	w := &world{t: t, lab: lab}
	for i := 0; i < opts.Nodes; i++ {
		args := []string{"node", "--testnet", "--identity", filepath.Join(t.TempDir(), "node.key"),
			"--listen", "/ip4/0.0.0.0/udp/4001/quic-v1", "--listen", "/ip4/0.0.0.0/tcp/4001"}
		for _, b := range w.bootstrap {
			args = append(args, "--bootstrap", b)
		}
		args = append(args, nodeArgs[i]...)
		p := lab.Start(lab.NodeNS(i), binPath, args, nil)
		m, err := p.WaitFor(nodeIDRe, 20*time.Second)
		if err != nil {
			t.Fatalf("node %d did not start: %v\n%s", i, err, p.Output())
		}
		ip := lab.NodeIP(i)
		w.bootstrap = append(w.bootstrap,
			fmt.Sprintf("/ip4/%s/udp/4001/quic-v1/p2p/%s", ip, m[1]),
			fmt.Sprintf("/ip4/%s/tcp/4001/p2p/%s", ip, m[1]))
		w.nodes = append(w.nodes, p)
	}
	return w
}

func (w *world) bootstrapArgs() []string {
	var args []string
	for _, b := range w.bootstrap {
		args = append(args, "--bootstrap", b)
	}
	return args
}

// novice starts `ra-p2p invite` in the novice home and waits until it can be found.
type novice struct {
	proc      *netlab.Proc
	file      string
	configDir string
	id        string
}

var inviteIDRe = regexp.MustCompile(`Invitation (\S+) written to`)

func (w *world) startNovice(home string, extra []string, env []string) *novice {
	w.t.Helper()
	dir := w.t.TempDir()
	n := &novice{file: filepath.Join(dir, "alice.rainvite"), configDir: filepath.Join(dir, "config")}
	args := append([]string{"invite", "--testnet", "--no-gui", "--name", "Alice", "--message", "My printer vanished", "-o", n.file}, w.bootstrapArgs()...)
	args = append(args, extra...)
	n.proc = w.lab.Start(w.lab.HostNS(home), binPath, args, append([]string{"XDG_CONFIG_HOME=" + n.configDir}, env...))
	m, err := n.proc.WaitFor(inviteIDRe, 20*time.Second)
	if err != nil {
		w.t.Fatalf("novice made no invitation: %v\n%s", err, n.proc.Output())
	}
	n.id = m[1]
	if _, err := n.proc.WaitFor(regexp.MustCompile(`Waiting for your helper`), 40*time.Second); err != nil {
		w.t.Fatalf("novice is not waiting: %v\n%s", err, n.proc.Output())
	}
	return n
}

// startHelper runs `ra-p2p help FILE --yes` in the helper home.
func (w *world) startHelper(home, file string, extra []string, env []string) *netlab.Proc {
	w.t.Helper()
	args := append([]string{"help", file, "--testnet", "--no-gui", "--yes", "--name", "Bob"}, extra...)
	return w.lab.Start(w.lab.HostNS(home), binPath, args, append([]string{"XDG_CONFIG_HOME=" + w.t.TempDir()}, env...))
}

func mustWait(t testing.TB, p *netlab.Proc, pattern string, d time.Duration) []string {
	t.Helper()
	m, err := p.WaitFor(regexp.MustCompile(pattern), d)
	if err != nil {
		t.Fatalf("%s: waiting for %q: %v\n--- output:\n%s", p.Name, pattern, err, p.Output())
	}
	return m
}

// relayedBytes sums what the nodes' relays carried, from their last "relay use" log line.
func (w *world) relayedBytes() int64 {
	re := regexp.MustCompile(`relayed_bytes=(\d+)`)
	var total int64
	for _, n := range w.nodes {
		all := re.FindAllStringSubmatch(n.Output(), -1)
		if len(all) == 0 {
			continue
		}
		v, _ := strconv.ParseInt(all[len(all)-1][1], 10, 64)
		total += v
	}
	return total
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// acceptDirect waits for the novice to be asked (that is when the session
// connection is direct), accepts, and waits for the helper to report the
// connection. took runs from start to the question; remote is the
// helper's view of the connection's address.
func acceptDirect(t testing.TB, n *novice, h *netlab.Proc, start time.Time, wait time.Duration) (took time.Duration, remote string) {
	t.Helper()
	mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, wait)
	took = time.Since(start)
	if err := n.proc.WriteLine("y"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, h, `Connected to Alice`, 10*time.Second)
	m := mustWait(t, h, `Direct connection: (\S+)`, 5*time.Second)
	t.Logf("direct and authenticated after %v over %s", took.Round(time.Millisecond), m[1])
	return took, m[1]
}
