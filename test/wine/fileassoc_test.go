//go:build linux

package wine

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestInvitationFilesUnderWine (issue 16): the first run of ra-p2p.exe
// registers .rainvite for the user (HKCU\Software\Classes, read back with
// Wine's reg) and says so; an invitation opened the way Explorer opens a
// double-clicked file (the command its class holds) opens the helper's
// window for it; --unregister removes the registration and a
// later start does not bring it back; --register does.
func TestInvitationFilesUnderWine(t *testing.T) {
	exe := build(t, Target{Pkg: "cmd/ra-p2p"})
	d := xdisplay.Start(t, 1024, 768)
	p := kit.Prefix(t, d.Name)
	const ext, cmdKey = `HKCU\Software\Classes\.rainvite`, `HKCU\Software\Classes\ra-p2p.Invitation\shell\open\command`

	out, code, err := p.Run(90*time.Second, exe, "check", "-h")
	if err != nil || code != 0 {
		t.Fatalf("ra-p2p.exe check -h: exit %d, %v\n%s", code, err, out)
	}
	if !strings.Contains(out, "Invitation files (.rainvite) now open with ra-p2p") || !strings.Contains(out, "ra-p2p.exe --unregister") {
		t.Errorf("the first run does not say that it registered invitation files:\n%s", out)
	}
	regQuery(t, p, ext, true, "ra-p2p.Invitation")
	regQuery(t, p, cmdKey, true, `"`+WinPath(exe)+`" help "%1"`)
	if out, _, _ := p.Run(90*time.Second, exe, "check", "-h"); strings.Contains(out, "now open with") {
		t.Errorf("the second run says again that it registered invitation files:\n%s", out)
	}

	// A double-click: Explorer runs the command the file's class holds,
	// with %1 the file's path. Wine 8.0's own ShellExecute (`wine start`)
	// cannot show it: it reads file types from HKLM only (Wine bug 14771,
	// HKCU\Software\Classes not merged into HKEY_CLASSES_ROOT) and says
	// that no program opens the file. So the test runs that command itself.
	inv, priv, _, err := invite.New(invite.Options{Name: "Alice", Addrs: []string{"/ip4/203.0.113.7/udp/4001/quic-v1"}})
	if err != nil {
		t.Fatal(err)
	}
	armored, err := invite.Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), invite.FileName("Alice"))
	if err := invite.WriteFile(file, armored); err != nil {
		t.Fatal(err)
	}
	command := commandLine(regQuery(t, p, cmdKey, true, "help"), WinPath(file))
	start := time.Now()
	p.Start(t, command[0], command[1:]...)
	win := d.WaitWindow("^Remote Assistance — Alice$", 90*time.Second)
	t.Logf("the helper's window for %s opened %v after the double-click", filepath.Base(file), time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // its first question drawn
	shot := filepath.Join(t.TempDir(), "opened.png")
	d.Screenshot(win, shot)
	keepShot(t, shot, "wine-invitation-opened.png")

	out, code, err = p.Run(90*time.Second, exe, "--unregister")
	if err != nil || code != 0 || !strings.Contains(out, "no longer open with ra-p2p") {
		t.Fatalf("ra-p2p.exe --unregister: exit %d, %v\n%s", code, err, out)
	}
	regQuery(t, p, ext, false, "")
	regQuery(t, p, cmdKey, false, "")
	if out, _, _ := p.Run(90*time.Second, exe, "check", "-h"); strings.Contains(out, "now open with") {
		t.Errorf("a start after --unregister registered invitation files again:\n%s", out)
	}
	regQuery(t, p, ext, false, "")

	if out, code, err := p.Run(90*time.Second, exe, "--register"); err != nil || code != 0 || !strings.Contains(out, "now open with ra-p2p") {
		t.Fatalf("ra-p2p.exe --register: exit %d, %v\n%s", code, err, out)
	}
	regQuery(t, p, ext, true, "ra-p2p.Invitation")
}

// regQuery reads key's default value with Wine's reg: it must exist and
// hold want, or (exists false) not exist. It returns the value.
func regQuery(t *testing.T, p *Prefix, key string, exists bool, want string) string {
	t.Helper()
	out, code, err := p.Run(60*time.Second, "reg", "query", key, "/ve")
	if err != nil {
		t.Fatalf("reg query %s: %v\n%s", key, err, out)
	}
	value := ""
	if _, v, ok := strings.Cut(out, "REG_SZ"); ok {
		value = strings.TrimSpace(v)
	}
	switch {
	case exists && (code != 0 || !strings.Contains(out, want)):
		t.Errorf("reg query %s: exit %d, want %s in:\n%s", key, code, want, out)
	case !exists && code == 0:
		t.Errorf("reg query %s: the key is still there:\n%s", key, out)
	default:
		t.Logf("reg query %s: exit %d %s", key, code, strings.Join(strings.Fields(out), " "))
	}
	return value
}

// commandLine splits a registered command (`"C:\a b\x.exe" help "%1"`)
// into its arguments as Windows programs do for such simple lines (quotes
// group, nothing else is special), with %1 replaced by file.
func commandLine(command, file string) []string {
	var args []string
	for i, part := range strings.Split(command, `"`) {
		if i%2 == 1 { // inside quotes
			args = append(args, part)
			continue
		}
		args = append(args, strings.Fields(part)...)
	}
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "%1", file)
	}
	return args
}
