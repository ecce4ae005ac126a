//go:build linux

package test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/appicon"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// invitationType is the MIME type packaging/ra-p2p-invitation.xml declares.
const invitationType = "application/x-ra-p2p-invitation"

// TestInstallRegistersInvitations: `make install` into a temporary PREFIX,
// seen by the desktop as /usr/local/share is (in XDG_DATA_DIRS), makes an
// invitation file known by its name (*.rainvite) and, under a name that
// says nothing (an attachment saved as ATT00001), by its first line, as
// xdg-mime reads the MIME database on a plain X desktop (File::MimeInfo)
// and on GNOME, Xfce, MATE… (GIO); its default application is the hidden
// help entry; opening it (xdg-open, a double-click's command) starts the
// installed ra-p2p with `help FILE`, whose window opens. make uninstall
// takes all of it away again.
func TestInstallRegistersInvitations(t *testing.T) {
	needTools(t, map[string]string{
		"make":                    "make",
		"update-mime-database":    "shared-mime-info",
		"update-desktop-database": "desktop-file-utils",
		"desktop-file-validate":   "desktop-file-utils",
		"xdg-mime":                "xdg-utils",
		"xdg-open":                "xdg-utils",
		"mimetype":                "libfile-mimeinfo-perl",
		"gio":                     "libglib2.0-bin",
	})
	root := repoRoot(t)
	for _, entry := range []string{"ra-p2p.desktop", "ra-p2p-help.desktop"} {
		runOK(t, root, nil, "desktop-file-validate", filepath.Join("packaging", entry))
	}

	prefix := t.TempDir()
	share := filepath.Join(prefix, "share")
	runOK(t, root, nil, "make", "install", "PREFIX="+prefix, "DESTDIR=")
	installed := installedFiles(filepath.Join(prefix, "bin"), share)
	for _, f := range installed {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("make install did not put %s in place: %v", f, err)
		}
	}
	// make install refreshed the databases itself (DESTDIR was empty).
	if cache, err := os.ReadFile(filepath.Join(share, "applications", "mimeinfo.cache")); err != nil {
		t.Errorf("make install left no desktop MIME cache: %v", err)
	} else if !strings.Contains(string(cache), invitationType+"=ra-p2p-help.desktop;") {
		t.Errorf("the desktop MIME cache does not send invitations to ra-p2p-help.desktop:\n%s", cache)
	}

	dir := t.TempDir()
	alice := writeInvitation(t, dir, "alice.rainvite")
	armored, err := os.ReadFile(alice)
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes under an attachment's meaningless name: only the
	// magic (the armor's first line) can tell what it is.
	attachment := filepath.Join(dir, "ATT00001")
	if err := os.WriteFile(attachment, armored, 0o644); err != nil {
		t.Fatal(err)
	}
	// As /usr/local is seen: its share in XDG_DATA_DIRS, its bin in PATH
	// (GIO ignores a desktop entry whose program is not in PATH).
	dataDirs := share + ":/usr/share"
	binDir := filepath.Join(prefix, "bin")

	for _, desk := range []struct{ name, current string }{
		{"plain X desktop (File::MimeInfo)", ""},
		{"GNOME, Xfce, MATE (GIO)", "GNOME"},
	} {
		t.Run(desk.name, func(t *testing.T) {
			env := desktopEnv(t, dataDirs, binDir, desk.current)
			for _, f := range []string{alice, attachment} {
				if got := runOK(t, dir, env, "xdg-mime", "query", "filetype", f); got != invitationType {
					t.Errorf("xdg-mime query filetype %s = %q, want %s", filepath.Base(f), got, invitationType)
				}
			}
			if got := runOK(t, dir, env, "xdg-mime", "query", "default", invitationType); got != "ra-p2p-help.desktop" {
				t.Errorf("xdg-mime query default %s = %q, want ra-p2p-help.desktop", invitationType, got)
			}
			if desk.current == "GNOME" {
				// What GIO's file managers (Nautilus, Thunar, Caja, Nemo) open it with.
				out := runOK(t, dir, env, "gio", "mime", invitationType)
				if !strings.Contains(out, "Default application for “"+invitationType+"”: ra-p2p-help.desktop") {
					t.Errorf("gio mime %s does not name ra-p2p-help.desktop as the default:\n%s", invitationType, out)
				}
			}
		})
	}

	t.Run("opening it starts ra-p2p help", func(t *testing.T) {
		if _, err := exec.LookPath("xdotool"); err != nil {
			skipOrFail(t, "needs xdotool (Debian package xdotool; scripts/install-deps.sh installs it) to find the window")
		}
		d := xdisplay.Start(t, 1024, 768)
		env := append(desktopEnv(t, dataDirs, binDir, ""), d.Env())
		openWith(t, dir, env, "xdg-open", alice)
		win := d.WaitWindowClass("^Ra-p2p$", 30*time.Second)
		// The window belongs to the ra-p2p that make install put in
		// PREFIX/bin, run as the help entry's Exec line says.
		pid := strings.TrimSpace(d.Do("xdotool", "getwindowpid", win))
		cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if err != nil {
			t.Fatalf("reading the command line of the window's process %s: %v", pid, err)
		}
		got := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		want := []string{filepath.Join(prefix, "bin", "ra-p2p"), "help", alice}
		if !slices.Equal(got, want) {
			t.Errorf("opening %s ran %q, want %q", filepath.Base(alice), got, want)
		}
	})

	runOK(t, root, nil, "make", "uninstall", "PREFIX="+prefix, "DESTDIR=")
	for _, f := range installed {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("make uninstall left %s (%v)", f, err)
		}
	}
	env := desktopEnv(t, dataDirs, binDir, "")
	if got := runOK(t, dir, env, "xdg-mime", "query", "filetype", alice); got == invitationType {
		t.Errorf("after make uninstall, %s is still known as %s (is the ra-p2p Debian package installed on this machine? dpkg -l ra-p2p)", filepath.Base(alice), got)
	}
	if got := runOK(t, dir, env, "xdg-mime", "query", "default", invitationType); got != "" {
		t.Errorf("after make uninstall, invitations still open with %q", got)
	}
}

// TestDebInstallsAndRemoves: `make deb` builds a package that dpkg installs
// (its dependencies are those of scripts/install-deps.sh, already here) with
// the programs in /usr/bin, each library they link named in Depends, and
// the invitation type and its handler registered in /usr/share; `dpkg -r`
// removes every file and the registration. The package is purged when the
// test ends, however it ends.
func TestDebInstallsAndRemoves(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root to install and remove the Debian package with dpkg; run the suite as root (CI does)")
	}
	needTools(t, map[string]string{
		"make": "make", "dpkg": "dpkg", "xdg-mime": "xdg-utils", "mimetype": "libfile-mimeinfo-perl",
	})
	// Someone's own installed ra-p2p is never replaced or removed here. A
	// removed one whose record stays (config-files: ra-p2p has none) holds
	// nothing to lose, and the purge at the end clears it.
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "ra-p2p").Output(); err == nil {
		if status := string(out); !strings.HasSuffix(status, " not-installed") && !strings.HasSuffix(status, " config-files") {
			skipOrFail(t, "the ra-p2p package is on this machine already ("+status+"); this test installs and removes its own and will not touch that one: dpkg --purge ra-p2p first")
		}
	}
	root := repoRoot(t)
	dist := t.TempDir()
	runOK(t, root, nil, "make", "deb", "DIST="+dist)
	debs, err := filepath.Glob(filepath.Join(dist, "ra-p2p_*.deb"))
	if err != nil || len(debs) != 1 {
		t.Fatalf("make deb wrote %v in %s (err %v), want one ra-p2p_*.deb", debs, dist, err)
	}
	t.Logf("built %s", filepath.Base(debs[0]))

	t.Cleanup(func() {
		// Purge, not only remove: no ra-p2p entry stays in dpkg's database.
		if out, err := exec.Command("dpkg", "--purge", "ra-p2p").CombinedOutput(); err != nil {
			t.Errorf("purging ra-p2p after the test: %v\n%s", err, out)
		}
	})
	runOK(t, root, nil, "dpkg", "-i", debs[0])
	files := strings.Fields(runOK(t, root, nil, "dpkg-query", "-L", "ra-p2p"))
	installed := installedFiles("/usr/bin", "/usr/share")
	for _, f := range installed {
		if !slices.Contains(files, f) {
			t.Errorf("the package has no %s", f)
		}
	}

	// Both programs run: without a display ra-p2p hands over to
	// ra-p2p-nogui, which prints the usage.
	env := desktopEnv(t, "/usr/share", "", "")
	for _, prog := range []string{"/usr/bin/ra-p2p", "/usr/bin/ra-p2p-nogui"} {
		if out := runOK(t, root, env, prog, "-h"); !strings.Contains(out, "ra-p2p invite --name NAME") {
			t.Errorf("%s -h printed no usage:\n%s", prog, out)
		}
	}
	depends := debDepends(t, debs[0])
	for _, prog := range []string{"/usr/bin/ra-p2p", "/usr/bin/ra-p2p-nogui"} {
		for lib, pkg := range linkedPackages(t, prog) {
			if !slices.Contains(depends, pkg) {
				t.Errorf("%s links %s, from the Debian package %s, which Depends (packaging/nfpm.yaml) does not name: %v", prog, lib, pkg, depends)
			}
		}
	}

	// Registered in /usr/share only (not /usr/local/share, where a make
	// install could have put the same files): what the package did.
	dir := t.TempDir()
	alice := writeInvitation(t, dir, "alice.rainvite")
	if got := runOK(t, dir, env, "xdg-mime", "query", "filetype", alice); got != invitationType {
		t.Errorf("with the package installed, xdg-mime query filetype alice.rainvite = %q, want %s", got, invitationType)
	}
	if got := runOK(t, dir, env, "xdg-mime", "query", "default", invitationType); got != "ra-p2p-help.desktop" {
		t.Errorf("with the package installed, xdg-mime query default %s = %q, want ra-p2p-help.desktop", invitationType, got)
	}

	runOK(t, root, nil, "dpkg", "-r", "ra-p2p")
	for _, f := range installed {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("dpkg -r left %s (%v)", f, err)
		}
	}
	if got := runOK(t, dir, env, "xdg-mime", "query", "filetype", alice); got == invitationType {
		t.Errorf("after dpkg -r, alice.rainvite is still known as %s", got)
	}
	if got := runOK(t, dir, env, "xdg-mime", "query", "default", invitationType); got != "" {
		t.Errorf("after dpkg -r, invitations still open with %q", got)
	}
}

// installedFiles lists what make install and the package put in place,
// under bin and share (PREFIX/bin and PREFIX/share, or /usr's).
func installedFiles(bin, share string) []string {
	files := []string{
		filepath.Join(bin, "ra-p2p"),
		filepath.Join(bin, "ra-p2p-nogui"),
		filepath.Join(share, "applications", "ra-p2p.desktop"),
		filepath.Join(share, "applications", "ra-p2p-help.desktop"),
		filepath.Join(share, "mime", "packages", "ra-p2p-invitation.xml"),
	}
	for _, n := range appicon.PackagedSizes {
		files = append(files, filepath.Join(share, "icons", "hicolor", fmt.Sprintf("%dx%d", n, n), "apps", "ra-p2p.png"))
	}
	return files
}

// writeInvitation writes a real invitation, made and armored by the invite
// package as `ra-p2p invite` makes one, to dir/name.
func writeInvitation(t *testing.T, dir, name string) string {
	t.Helper()
	inv, priv, _, err := invite.New(invite.Options{Name: "Alice", Message: "My printer vanished"})
	if err != nil {
		t.Fatalf("making an invitation: %v", err)
	}
	armored, err := invite.Encode(inv, priv)
	if err != nil {
		t.Fatalf("encoding the invitation: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := invite.WriteFile(path, armored); err != nil {
		t.Fatal(err)
	}
	return path
}

// desktopEnv is this process's environment as a desktop session with only
// dataDirs for its shared data (XDG_DATA_DIRS) and nothing of the person's
// own: an empty home, data and config folders (no mimeapps.list choosing
// another program), no display. bin, unless "", goes first in PATH. current
// is XDG_CURRENT_DESKTOP, which picks how xdg-mime finds a file's type ("":
// the generic way, File::MimeInfo; "GNOME": gio).
func desktopEnv(t *testing.T, dataDirs, bin, current string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "KDE_") || strings.HasPrefix(name, "GNOME_") ||
			slices.Contains([]string{"HOME", "DESKTOP_SESSION", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER"}, name) {
			continue
		}
		if name == "PATH" && bin != "" {
			kv = "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CONFIG_DIRS="+filepath.Join(home, "etc-xdg"),
		"XDG_DATA_DIRS="+dataDirs,
	)
	if current != "" {
		env = append(env, "XDG_CURRENT_DESKTOP="+current)
	}
	return env
}

// runOK runs a program in dir (env nil: this process's environment) and
// returns its standard output, trimmed; the test fails with everything it
// printed when it fails or hangs. Five minutes is for make deb on a fresh
// machine under the whole suite's load: it links both programs and compiles
// nfpm (a minute alone on 2 cores) before packaging.
func runOK(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n--- stdout:\n%s\n--- stderr:\n%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String())
}

// openWith starts a program that opens a file (xdg-open) in a process
// group of its own and, when the test ends, stops that group, by its ID:
// the program the file opened with runs in it too.
func openWith(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("%s %s printed:\n%s", name, strings.Join(args, " "), out.String())
		}
	})
}

// debDepends is the package names in a .deb's Depends field (versions and
// alternatives' punctuation dropped).
func debDepends(t *testing.T, deb string) []string {
	t.Helper()
	var names []string
	for _, dep := range strings.FieldsFunc(runOK(t, ".", nil, "dpkg-deb", "-f", deb, "Depends"), func(r rune) bool { return r == ',' || r == '|' }) {
		if name := strings.Fields(dep); len(name) > 0 {
			names = append(names, name[0])
		}
	}
	return names
}

// linkedPackages maps each library prog names as needed (its ELF NEEDED
// entries: what it links itself, not what those libraries pull in, which
// their own packages depend on) to the Debian package that holds it.
func linkedPackages(t *testing.T, prog string) map[string]string {
	t.Helper()
	f, err := elf.Open(prog)
	if err != nil {
		t.Fatalf("reading %s: %v", prog, err)
	}
	needed, err := f.ImportedLibraries()
	f.Close()
	if err != nil {
		t.Fatalf("reading the libraries %s needs: %v", prog, err)
	}
	// ldd says where the loader finds each one.
	paths := map[string]string{}
	lddLine := regexp.MustCompile(`^\s*(\S+) => (/\S+)`)
	for _, line := range strings.Split(runOK(t, ".", nil, "ldd", prog), "\n") {
		if m := lddLine.FindStringSubmatch(line); m != nil {
			paths[m[1]] = m[2]
		}
	}
	pkgs := map[string]string{}
	for _, lib := range needed {
		path, ok := paths[lib]
		if !ok {
			t.Errorf("ldd does not find %s, which %s needs", lib, prog)
			continue
		}
		pkgs[lib] = owner(t, path)
	}
	return pkgs
}

// owner is the Debian package that holds path. dpkg knows each file by the
// path its package shipped it at, /lib/… or /usr/lib/…, which merged /usr
// makes the same folder: both are asked.
func owner(t *testing.T, path string) string {
	t.Helper()
	other := "/usr" + path
	if rest, ok := strings.CutPrefix(path, "/usr"); ok {
		other = rest
	}
	for _, p := range []string{path, other} {
		out, err := exec.Command("dpkg-query", "-S", p).Output()
		if err != nil {
			continue
		}
		pkg, _, _ := strings.Cut(string(out), ":") // "libx11-6:amd64: /usr/lib/…"
		return pkg
	}
	t.Errorf("no Debian package holds %s (nor %s)", path, other)
	return ""
}

// repoRoot is the repository's root, where the Makefile is: the parent of
// this package's folder, which go test runs it in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatalf("no Makefile in %s, the folder above the tests: %v", root, err)
	}
	return root
}

// needTools skips (or, with RA_P2P_REQUIRE_ALL=1, fails) when a program the
// test runs is missing, naming its Debian package.
func needTools(t *testing.T, tools map[string]string) {
	t.Helper()
	var missing []string
	for tool, pkg := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", tool, pkg))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		skipOrFail(t, "needs "+strings.Join(missing, ", ")+"; scripts/install-deps.sh installs them")
	}
}

// skipOrFail skips with the reason, or fails with it in CI
// (RA_P2P_REQUIRE_ALL=1), where every test must run.
func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
		t.Fatal(reason + ", and RA_P2P_REQUIRE_ALL=1 forbids skipping")
	}
	t.Skip(reason)
}
