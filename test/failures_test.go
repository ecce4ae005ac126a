//go:build linux

package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestHardNATIsExplained: when both routers give a new port to every
// destination (and there is no IPv6), neither DCUtR nor a birthday punch
// can work; the helper must say so plainly within 30 s and exit non-zero,
// never hang. (One hard router is punched: TestOneHardRouterIsPunched.)
func TestHardNATIsExplained(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	cases := map[string]struct {
		novice, helper netlab.NATKind
		want           string
	}{
		"both routers are hard": {netlab.Hard, netlab.Hard, `Both your router and Alice's router change ports for every connection, so a direct connection could not be made\. Switching on UPnP or NAT-PMP in either router's settings`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, netlab.Options{Nodes: 2,
				Homes: []netlab.HomeSpec{{Name: "novice", NAT: tc.novice}, {Name: "helper", NAT: tc.helper}}})
			n := w.startNovice("novice", nil, nil)
			start := time.Now()
			h := w.startHelper("helper", n.file, nil, nil)
			code, err := h.Wait(30 * time.Second)
			if err != nil {
				t.Fatalf("helper did not give up within 30 s: %v\n%s", err, h.Output())
			}
			t.Logf("helper gave up after %v", time.Since(start).Round(time.Millisecond))
			if code == 0 {
				t.Errorf("helper exited 0 without a session")
			}
			if !regexp.MustCompile(tc.want).MatchString(h.Output()) {
				t.Errorf("helper's explanation is missing %q:\n%s", tc.want, h.Output())
			}
			if strings.Contains(n.proc.Output(), "Connected to") {
				t.Errorf("novice claims a session:\n%s", n.proc.Output())
			}
		})
	}
}

// TestBadInput drives the real binary with broken, refused and unlucky
// cases; each must end with a clear sentence and a non-zero exit.
func TestBadInput(t *testing.T) {
	// Files alone: no network needed, but the binary is the real one.
	t.Run("files", func(t *testing.T) {
		cases := map[string]struct{ file, want string }{
			"damaged file":   {"damaged.rainvite", `This invitation is damaged`},
			"truncated file": {"truncated.rainvite", `This invitation is damaged`},
			"tampered file":  {"tampered.rainvite", `This invitation was altered after it was made`},
			"expired":        {"expired.rainvite", `This invitation has expired\. Ask for a new one\.`},
			"future version": {"future-version.rainvite", `newer version of ra-p2p`},
			"not a file":     {"no-such-file.rainvite", `Could not read the invitation`},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				out, code := runBinary(t, "help", filepath.Join("..", "invite", "testdata", tc.file), "--yes")
				if code == 0 {
					t.Errorf("exit 0 for %s", tc.file)
				}
				if !regexp.MustCompile(tc.want).MatchString(out) {
					t.Errorf("output lacks %q:\n%s", tc.want, out)
				}
			})
		}
	})

	// On Linux the installation registers invitation files: the
	// program's --unregister says how to undo it instead of pretending.
	t.Run("unregister on Linux", func(t *testing.T) {
		out, code := runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + t.TempDir()}, "--unregister")
		if code != 2 || !strings.Contains(out, "through its installation") {
			t.Errorf("exit %d; want 2 and a sentence on how Linux registers invitation files:\n%s", code, out)
		}
	})

	// A mistyped network flag is refused before anything is made: no
	// invitation file and no key is left behind.
	t.Run("unknown port-mapping method", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "alice.rainvite")
		out, code := runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")},
			"invite", "--no-gui", "--name", "Alice", "--port-mapping", "upnpp", "-o", file)
		if code == 0 || !strings.Contains(out, `unknown port-mapping method "upnpp" (want auto, upnp, nat-pmp or off)`) {
			t.Errorf("exit %d; want non-zero and the accepted values:\n%s", code, out)
		}
		if _, err := os.Stat(file); err == nil {
			t.Error("the invitation was written although the command was refused")
		}
		if _, err := os.Stat(filepath.Join(dir, "config", "ra-p2p", "invitations")); err == nil {
			t.Error("a key was stored although the command was refused")
		}
	})

	// An invitation written onto a file that exists is refused, and leaves
	// neither the file changed nor a key behind (it used to keep a valid
	// invitation in the store that no one had).
	t.Run("an existing output file", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "alice.rainvite")
		if err := os.WriteFile(file, []byte("an older invitation\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		env := []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
		out, code := runBinaryEnv(t, env, "invite", "--no-gui", "--name", "Alice", "-o", file)
		if code == 0 || !strings.Contains(out, "already exists") {
			t.Errorf("exit %d; want non-zero and a sentence saying the file exists:\n%s", code, out)
		}
		if b, _ := os.ReadFile(file); string(b) != "an older invitation\n" {
			t.Errorf("the existing file was changed: %q", b)
		}
		if out, _ := runBinaryEnv(t, env, "invite", "--list"); !strings.Contains(out, "You have no invitations") {
			t.Errorf("a refused invitation was kept in the store:\n%s", out)
		}
	})

	// What is not an invitation file is refused at once, not read forever.
	t.Run("a device as the invitation", func(t *testing.T) {
		start := time.Now()
		out, code := runBinary(t, "help", "/dev/zero", "--yes", "--no-gui")
		if code == 0 || !strings.Contains(out, "/dev/zero is not an invitation file") {
			t.Errorf("exit %d; want non-zero and a sentence saying it is not an invitation file:\n%s", code, out)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
	})

	w := newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})

	t.Run("wrong password three times locks the invitation", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", []string{"--password"}, []string{"RA_P2P_PASSWORD=correct horse"})
		h := w.startHelper("helper", n.file, nil, []string{"RA_P2P_PASSWORD=wrong one"})
		mustWait(t, h, `That password is wrong \(2 tries left\)`, 30*time.Second)
		mustWait(t, n.proc, `Someone typed a wrong password for this invitation \(2 tries left\)`, 5*time.Second)
		h.WriteLine("wrong two")
		mustWait(t, h, `That password is wrong \(1 try left\)`, 10*time.Second)
		h.WriteLine("wrong three")
		mustWait(t, h, `The password was wrong too many times, so Alice's invitation is now locked`, 10*time.Second)
		mustWait(t, n.proc, `Someone typed the wrong password 3 times, so this invitation is now locked`, 10*time.Second)
		expectExit(t, h, false)
		expectExit(t, n.proc, false)
		if strings.Contains(n.proc.Output(), "Accept?") {
			t.Errorf("the novice was asked to accept a helper with a wrong password")
		}
		out, _ := runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + n.configDir}, "invite", "--list")
		if !strings.Contains(out, n.id) || !strings.Contains(out, "locked") {
			t.Errorf("invite --list does not show %s as locked:\n%s", n.id, out)
		}
	})

	t.Run("right password after a wrong one", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", []string{"--password"}, []string{"RA_P2P_PASSWORD=correct horse"})
		h := w.startHelper("helper", n.file, nil, []string{"RA_P2P_PASSWORD=wrong one"})
		mustWait(t, h, `That password is wrong \(2 tries left\)`, 30*time.Second)
		h.WriteLine("correct horse")
		mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, 10*time.Second)
		n.proc.WriteLine("y")
		mustWait(t, h, `Connected to Alice`, 10*time.Second)
		n.proc.WriteLine("/quit")
		mustWait(t, h, `Disconnected from Alice`, 10*time.Second)
		expectExit(t, h, true)
	})

	t.Run("novice declines", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", nil, nil)
		h := w.startHelper("helper", n.file, nil, nil)
		mustWait(t, n.proc, `Bob wants to connect to your computer( and see your screen)?\. Accept\?`, 30*time.Second)
		n.proc.WriteLine("n")
		mustWait(t, h, `Alice declined the connection\.`, 10*time.Second)
		expectExit(t, h, false)
		mustWait(t, n.proc, `You declined Bob\. Still waiting for your helper`, 5*time.Second)
		n.proc.Stop()
	})

	t.Run("novice not running", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", nil, nil)
		n.proc.Stop()
		start := time.Now()
		h := w.startHelper("helper", n.file, []string{"--find-timeout", "10s"}, nil)
		mustWait(t, h, "Could not find Alice's computer; is `ra-p2p invite` still running there\\?", 40*time.Second)
		expectExit(t, h, false)
		t.Logf("helper gave up after %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("resume after a restart, then Ctrl-C ends it for both", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", nil, nil)
		n.proc.Stop() // the novice's computer restarts…
		resumed := w.lab.Start(w.lab.HostNS("novice"), binPath,
			append([]string{"invite", "--testnet", "--no-gui", "--resume", n.file}, w.bootstrapArgs()...),
			[]string{"XDG_CONFIG_HOME=" + n.configDir})
		mustWait(t, resumed, `Waiting for your helper`, 40*time.Second)
		h := w.startHelper("helper", n.file, nil, nil)
		mustWait(t, resumed, `Bob wants to connect`, 30*time.Second)
		resumed.WriteLine("y")
		mustWait(t, h, `Connected to Alice`, 10*time.Second)
		resumed.Stop() // Ctrl-C (SIGINT) on the novice's side
		mustWait(t, h, `Disconnected from Alice`, 10*time.Second)
		expectExit(t, h, true)
	})

	t.Run("revoked invitation", func(t *testing.T) {
		w.lab.FlushConntrack()
		n := w.startNovice("novice", nil, nil)
		out, code := runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + n.configDir}, "invite", "--revoke", n.id)
		if code != 0 {
			t.Fatalf("revoke failed: %s", out)
		}
		h := w.startHelper("helper", n.file, nil, nil)
		mustWait(t, h, `Alice revoked this invitation\. Ask Alice for a new one\.`, 30*time.Second)
		expectExit(t, h, false)
		mustWait(t, n.proc, `it was revoked, so they were turned away`, 5*time.Second)
		expectExit(t, n.proc, false)
	})
}

func expectExit(t *testing.T, p *netlab.Proc, success bool) {
	t.Helper()
	code, err := p.Wait(15 * time.Second)
	if err != nil {
		t.Fatalf("%s did not exit: %v\n%s", p.Name, err, p.Output())
	}
	if (code == 0) != success {
		t.Errorf("%s exited with code %d, want success=%v\n%s", p.Name, code, success, p.Output())
	}
}

// runBinary runs ra-p2p outside any namespace (for cases that need no network).
func runBinary(t *testing.T, args ...string) (string, int) {
	return runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + t.TempDir()}, args...)
}

func runBinaryEnv(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
		if code < 0 {
			t.Fatalf("running %v: %v", args, err)
		}
	}
	return string(out), code
}
