//go:build linux

package portal

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

func TestPaths(t *testing.T) {
	got, err := Paths([]string{"file:///home/bob/report%20final.pdf", "file://localhost/tmp/x"})
	if err != nil || !slices.Equal(got, []string{"/home/bob/report final.pdf", "/tmp/x"}) {
		t.Fatalf("Paths = %q, %v", got, err)
	}
	for _, bad := range []string{"smb://server/share/x", "file://server/x", "file:relative", "%zz"} {
		if _, err := Paths([]string{bad}); err == nil {
			t.Errorf("Paths(%q) took it", bad)
		}
	}
}

// TestNoBusIsNoPortal: without a session bus OpenFiles says so at once,
// and starts none.
func TestNoBusIsNoPortal(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "none"))
	start := time.Now()
	_, err := OpenFiles(context.Background(), Request{Title: "Send a File"})
	if !errors.Is(err, ErrNoPortal) {
		t.Fatalf("err = %v, want ErrNoPortal", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v to find no bus", d)
	}
}

// TestPortalFileDialog: a real session bus, on which the real
// xdg-desktop-portal is started on demand with its GTK backend on an Xvfb
// display. SaveFile opens in the folder given with the name suggested. A
// path typed in the open dialog is
// what OpenFiles returns; ESC is a cancel (no paths, no error); a context
// that ends takes the dialog away.
func TestPortalFileDialog(t *testing.T) {
	for _, p := range []string{"dbus-daemon", "/usr/libexec/xdg-desktop-portal", "/usr/libexec/xdg-desktop-portal-gtk"} {
		if _, err := exec.LookPath(p); err != nil {
			msg := "needs " + p + " (Debian packages dbus-daemon, xdg-desktop-portal, xdg-desktop-portal-gtk; scripts/install-deps.sh installs them)"
			if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	d := xdisplay.Start(t, 1024, 768)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", d.SessionBus())
	dir := t.TempDir()
	for _, name := range []string{"report.pdf", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	type result struct {
		paths []string
		err   error
	}
	open := func(ctx context.Context) <-chan result {
		out := make(chan result, 1)
		go func() {
			paths, err := OpenFiles(ctx, Request{Title: "Send a File", AcceptLabel: "Send", Multiple: true, Folder: dir})
			out <- result{paths, err}
		}()
		return out
	}
	await := func(out <-chan result) result {
		t.Helper()
		select {
		case r := <-out:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("the file dialog's answer never came")
			return result{}
		}
	}

	// A file typed in the dialog's location box (it opens on the first
	// "/" typed) is the answer.
	out := open(context.Background())
	win := d.WaitWindow("^Send a File$", 30*time.Second)
	d.Do("xdotool", "windowfocus", "--sync", win)
	time.Sleep(time.Second) // GTK reads the folder
	if shots := os.Getenv("RA_P2P_SCREENSHOTS"); shots != "" {
		d.Screenshot("root", filepath.Join(shots, "files-portal-dialog.png"))
	}
	want := filepath.Join(dir, "report.pdf")
	d.Type(want, true)
	if r := await(out); r.err != nil || !slices.Equal(r.paths, []string{want}) {
		t.Fatalf("OpenFiles = %q, %v; want %q", r.paths, r.err, want)
	}

	// ESC: cancelled.
	out = open(context.Background())
	win = d.WaitWindow("^Send a File$", 30*time.Second)
	d.Do("xdotool", "windowfocus", "--sync", win)
	time.Sleep(time.Second)
	d.Key("Escape")
	if r := await(out); r.err != nil || r.paths != nil {
		t.Fatalf("after ESC OpenFiles = %q, %v; want nothing and no error", r.paths, r.err)
	}

	// Saving: the dialog opens in the folder asked for with the name
	// suggested (and the invitations' filter); ENTER takes them.
	saved := make(chan result, 1)
	go func() {
		path, err := SaveFile(context.Background(), Request{Title: "Save the invitation", Folder: dir, Name: "alice.rainvite",
			Filter: &Filter{Name: "Invitations", Patterns: []string{"*.rainvite"}}})
		saved <- result{[]string{path}, err}
	}()
	win = d.WaitWindow("^Save the invitation$", 30*time.Second)
	d.Do("xdotool", "windowfocus", "--sync", win)
	time.Sleep(time.Second)
	d.Key("Return")
	if r := await(saved); r.err != nil || !slices.Equal(r.paths, []string{filepath.Join(dir, "alice.rainvite")}) {
		t.Fatalf("SaveFile = %q, %v; want %s", r.paths, r.err, filepath.Join(dir, "alice.rainvite"))
	}

	// The program gives up waiting (its session ended): the dialog goes.
	ctx, cancel := context.WithCancel(context.Background())
	out = open(ctx)
	d.WaitWindow("^Send a File$", 30*time.Second)
	cancel()
	if r := await(out); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("after cancel OpenFiles = %q, %v", r.paths, r.err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if out, _ := d.Output("xdotool", "search", "--onlyvisible", "--name", "^Send a File$"); out == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dialog stayed on the screen after its request was closed")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
