//go:build linux

package wine

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestExeResourcesUnderWine (issue 16): `make exe` makes ra-p2p.exe with
// its icon, version information and manifest (packaging/winres), and
// Windows' own functions read them under Wine: GetFileVersionInfoW finds
// the version make gives (make version) and ExtractIconExW the icon. The
// exe it made starts. Its size is reported.
func TestExeResourcesUnderWine(t *testing.T) {
	build(t, Target{Pkg: "cmd/ra-p2p"}) // the kit, and the build cache warm for make exe
	dist := t.TempDir()
	mk := func(args ...string) string {
		cmd := exec.Command("make", append([]string{"-s", "-C", kit.root}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	version := mk("version")
	mk("exe", "DIST="+dist)
	exe := filepath.Join(dist, "ra-p2p.exe")
	st, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	info := filepath.Join(dist, "exeinfo.exe")
	src := filepath.Join(kit.root, "test", "wine", "testdata", "exeinfo.c")
	if out, err := exec.Command("x86_64-w64-mingw32-gcc", "-municode", "-O2", "-o", info, src, "-lversion", "-lshell32", "-lgdi32", "-luser32").CombinedOutput(); err != nil {
		t.Fatalf("building exeinfo.exe: %v\n%s", err, out)
	}
	d := xdisplay.Start(t, 640, 480) // Ebiten makes a window when it loads, and Wine needs a display for it
	p := kit.Prefix(t, d.Name)
	out, code, err := p.Run(90*time.Second, info, WinPath(exe))
	if err != nil || code != 0 {
		t.Fatalf("exeinfo ra-p2p.exe: exit %d, %v\n%s", code, err, out)
	}
	t.Logf("make exe: ra-p2p.exe %s, %.1f MB; Windows reads:\n%s", version, float64(st.Size())/1e6, out)
	fixed := strings.Join(regexp.MustCompile(`\d+`).FindAllString(strings.Split(version, ".g")[0], -1), ".")
	if strings.Count(fixed, ".") == 2 {
		fixed += ".0"
	}
	for _, want := range []string{
		"Fixed file version: " + fixed, "ProductName: ra-p2p", "ProductVersion: " + version,
		"FileDescription: ra-p2p Remote Assistance", "OriginalFilename: ra-p2p.exe", "Large icon: 32x32",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `\r?$`).MatchString(out) {
			t.Errorf("Windows does not read %q from ra-p2p.exe", want)
		}
	}
	if m := regexp.MustCompile(`Icons: (\d+)`).FindStringSubmatch(out); m == nil || m[1] == "0" {
		t.Error("Windows finds no icon in ra-p2p.exe")
	}
	start := time.Now()
	if out, code, err := p.Run(90*time.Second, exe, "check", "-h"); err != nil || code != 0 || !strings.Contains(out, "-timeout") {
		t.Fatalf("the ra-p2p.exe make exe made does not start: exit %d, %v\n%s", code, err, out)
	}
	t.Logf("it starts: check -h in %v (a fresh prefix's first program)", time.Since(start).Round(time.Millisecond))
}
