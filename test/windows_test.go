//go:build linux

package test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// windowed is a session between a novice on display nd and a helper whose
// window is on display hd, both programs in the two-home topology.
type windowed struct {
	novice, helper *netlab.Proc
	nw, hw         string // the novice's window ("" with --no-gui) and the helper's
	file           string
	dir            string // holds the novice's and the helper's XDG_CONFIG_HOME: novice/, helper/
}

// screenshotDir is where a test keeps its screenshots: the folder
// RA_P2P_SCREENSHOTS names, or else a temporary one.
func screenshotDir(t testing.TB) string {
	if dir := os.Getenv("RA_P2P_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// startWindowed runs `ra-p2p invite --yes … noviceArgs` (its window moved to
// 850,60) and `ra-p2p help --yes` (its window at the origin) and waits until
// they are connected.
func startWindowed(t testing.TB, w *world, nd, hd *xdisplay.Display, noviceArgs ...string) *windowed {
	t.Helper()
	s := startBoth(t, w, nd, hd, append([]string{"--yes"}, noviceArgs...))
	mustWait(t, s.helper, `Connected to Alice`, 30*time.Second)
	return s
}

// startBoth runs `ra-p2p invite … noviceArgs` (its window moved to 850,60)
// and, once the novice waits, `ra-p2p help --yes … helperArgs` (its window
// at the origin); without --yes in noviceArgs the novice is asked to accept.
func startBoth(t testing.TB, w *world, nd, hd *xdisplay.Display, noviceArgs []string, helperArgs ...string) *windowed {
	t.Helper()
	return startBothIn(t, w, nd, hd, t.TempDir(), nil, noviceArgs, helperArgs...)
}

// startBothIn is startBoth with the folder holding the novice's and the
// helper's XDG_CONFIG_HOME (novice/, helper/: a test may have written
// their config files there) and more environment for both programs (a
// sound server's, for example; the programs' own XDG_CONFIG_HOME wins over
// one in env).
func startBothIn(t testing.TB, w *world, nd, hd *xdisplay.Display, dir string, env []string, noviceArgs []string, helperArgs ...string) *windowed {
	t.Helper()
	return startBothWith(t, w, nd, hd, dir, env, linuxProgram(), linuxProgram(), noviceArgs, helperArgs...)
}

// program is how a side's ra-p2p is run: the Linux build, or ra-p2p.exe
// under Wine (wine_session_test.go).
type program struct {
	bin  string              // what netlab starts
	pre  []string            // arguments before ra-p2p's own (the .exe, for the Wine loader)
	env  []string            // more environment (a Wine prefix's)
	path func(string) string // a file's path as the program spells it
}

// linuxProgram is the ra-p2p this test process built.
func linuxProgram() program { return program{bin: binPath, path: func(p string) string { return p }} }

// startBothWith is startBothIn with each side's program given.
func startBothWith(t testing.TB, w *world, nd, hd *xdisplay.Display, dir string, env []string, novice, helper program, noviceArgs []string, helperArgs ...string) *windowed {
	t.Helper()
	s := &windowed{file: filepath.Join(dir, "alice.rainvite"), dir: dir}
	args := append(slices.Clone(novice.pre), "invite", "--testnet", "--name", "Alice", "-o", novice.path(s.file))
	args = append(args, w.bootstrapArgs()...)
	s.novice = w.lab.Start(w.lab.HostNS("novice"), novice.bin, append(args, noviceArgs...),
		append(slices.Concat(env, novice.env), nd.Env(), "XDG_CONFIG_HOME="+filepath.Join(dir, "novice")))
	mustWait(t, s.novice, `Waiting for your helper`, 40*time.Second)
	if !slices.Contains(noviceArgs, "--no-gui") {
		s.nw = nd.WaitWindow("waiting for your helper", 30*time.Second)
		nd.Move(s.nw, 850, 60)
	}
	args = append(slices.Clone(helper.pre), "help", helper.path(s.file), "--testnet", "--yes", "--name", "Bob")
	s.helper = w.lab.Start(w.lab.HostNS("helper"), helper.bin, append(args, helperArgs...),
		append(slices.Concat(env, helper.env), hd.Env(), "XDG_CONFIG_HOME="+filepath.Join(dir, "helper")))
	s.hw = hd.WaitWindow("Remote Assistance — Alice", 30*time.Second)
	hd.Move(s.hw, 0, 0)
	return s
}

// twoConeHomes is the two-home topology the window tests run in: two public
// nodes, the novice's and the helper's homes behind ordinary (cone) routers.
func twoConeHomes(t testing.TB) *world {
	return newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
}
