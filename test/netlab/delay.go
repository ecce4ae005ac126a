//go:build linux

package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

const nfdelayPkg = "github.com/ra-p2p/ra-p2p/test/nfdelay"

var nfdelayReady = regexp.MustCompile(`^nfdelay: ready`)

// startDelays runs test/nfdelay in every router and queues the packets
// arriving on wan to it. Queueing happens in the raw table, before
// conntrack, so NAT mappings are made as soon as a packet is let through.
func (l *Lab) startDelays() error {
	bin, err := nfdelayBinary(l.opts.NFDelayPath)
	if err != nil {
		return err
	}
	args := []string{"-queue", "0", "-delay", fmt.Sprintf("%dms", l.opts.DelayMS),
		"-jitter", fmt.Sprintf("%dms", l.opts.JitterMS), "-loss", fmt.Sprint(l.opts.Loss)}
	for i, h := range l.homes {
		p := l.Start(h.router, bin, append(args, "-seed", fmt.Sprint(i+1)), nil)
		if _, err := p.WaitFor(nfdelayReady, cmdTimeout); err != nil {
			return err
		}
		if out, err := l.exec(h.router, nil, "iptables", "-t", "raw", "-A", "PREROUTING",
			"-i", "wan", "-j", "NFQUEUE", "--queue-num", "0", "--queue-bypass"); err != nil {
			return fmt.Errorf("adding the NFQUEUE rule in %s: %v: %s", h.router, err, out)
		}
	}
	return nil
}

// delayProc is the nfdelay process of home's router, or nil.
func (l *Lab) delayProc(home string) *Proc {
	h, err := l.findHome(home)
	if err != nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.procs {
		if p.NS == h.router && filepath.Base(p.Name) == "nfdelay" {
			return p
		}
	}
	return nil
}

var nfdelayBuild struct {
	once sync.Once
	path string
	err  error
}

// nfdelayBinary is path, else $RA_NFDELAY, else test/nfdelay built once per
// test process into a temporary folder named after the process.
func nfdelayBinary(path string) (string, error) {
	if path == "" {
		path = os.Getenv("RA_NFDELAY")
	}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("nfdelay binary: %w", err)
		}
		return path, nil
	}
	nfdelayBuild.once.Do(func() {
		nfdelayBuild.path, nfdelayBuild.err = buildNFDelay()
	})
	return nfdelayBuild.path, nfdelayBuild.err
}

func buildNFDelay() (string, error) {
	sweepStaleBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("ra-netlab-%d", os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "nfdelay")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	// The working directory of a test is its package's folder, inside this
	// module, so the package path resolves with the module's go.mod.
	if msg, err := command(nil, goTool, "build", "-o", out, nfdelayPkg); err != nil {
		return "", fmt.Errorf("building %s (or set RA_NFDELAY to a built binary): %v: %s", nfdelayPkg, err, msg)
	}
	return out, nil
}

// sweepStaleBuilds removes nfdelay build folders of test processes that
// are gone.
func sweepStaleBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "ra-netlab-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "ra-netlab-"))
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		os.RemoveAll(d)
	}
}
