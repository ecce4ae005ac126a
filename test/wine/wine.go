//go:build linux

package wine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/procgroup"
)

// Loader and Server are where Debian's wine64 package puts Wine's 64-bit
// loader and its server.
const (
	Loader = "/usr/lib/wine/wine64"
	Server = "/usr/lib/wine/wineserver"
)

// ErrMissing is wrapped by NewKit when Wine or the MinGW compiler is not
// installed.
var ErrMissing = errors.New("wine: Wine 8.0 (Debian package wine64) and x86_64-w64-mingw32-gcc (gcc-mingw-w64-x86-64) are needed; scripts/install-deps.sh installs them")

// bootTimeout bounds wineboot -i, which takes about 20 s on an idle
// machine and several times that on two busy cores.
const bootTimeout = 4 * time.Minute

// Kit is what the Wine tests of one test process share: built executables,
// the DLL stand-in and a booted template prefix. Make it with NewKit (in
// TestMain) and Close it after the tests.
type Kit struct {
	dir      string // everything the kit made
	dll      string // bcryptprimitives.dll
	template string // a booted prefix, copied for each test
	root     string // the module's root
	bootTime time.Duration

	mu    sync.Mutex
	built map[string]string // package and kind → executable
}

// NewKit builds the DLL stand-in and boots the template prefix (without a
// display: wineboot needs none). The error wraps ErrMissing when Wine or
// the compiler is not installed.
func NewKit() (*Kit, error) {
	for _, tool := range []string{Loader, Server} {
		if _, err := os.Stat(tool); err != nil {
			return nil, fmt.Errorf("%w (%s: %v)", ErrMissing, tool, err)
		}
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrMissing, err)
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ra-p2p-wine-")
	if err != nil {
		return nil, err
	}
	k := &Kit{dir: dir, root: root, dll: filepath.Join(dir, "bcryptprimitives.dll"),
		template: filepath.Join(dir, "template"), built: map[string]string{}}
	if err := k.setup(); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

func (k *Kit) setup() error {
	src := filepath.Join(k.root, "test", "wine", "testdata", "bcryptprimitives.c")
	if out, err := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", k.dll, src, "-ladvapi32").CombinedOutput(); err != nil {
		return fmt.Errorf("wine: building the bcryptprimitives.dll stand-in: %v\n%s", err, out)
	}
	start := time.Now()
	p := &Prefix{Dir: k.template}
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Loader, "wineboot", "-i")
	cmd.Env = p.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	p.stopServer()
	if err != nil {
		return fmt.Errorf("wine: wineboot -i in %s: %v\n%s", k.template, err, out)
	}
	if err := copyFile(k.dll, filepath.Join(k.template, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err != nil {
		return fmt.Errorf("wine: putting the stand-in into the prefix: %w", err)
	}
	k.bootTime = time.Since(start)
	return nil
}

// BootTime is how long wineboot -i took for the template prefix.
func (k *Kit) BootTime() time.Duration { return k.bootTime }

// Close removes everything the kit made. The tests' own prefixes are
// removed with their temporary directories.
func (k *Kit) Close() error { return os.RemoveAll(k.dir) }

// Target is what Kit.Build makes.
type Target struct {
	Pkg  string // a package path relative to the module root, such as "cmd/ra-p2p"
	Test bool   // its test binary (go test -c), whose tests then run under Wine, instead of its program
	// WineUDP patches the standard library's net package for the build
	// (go build -overlay) so that UDP sockets open under Wine 8.0: from Go
	// 1.24 on, net sets SIO_UDP_NETRESET on every UDP socket and fails
	// when that is refused, and Wine 8.0 refuses it (WSAEOPNOTSUPP), so
	// the shipped ra-p2p.exe has no QUIC, UPnP or NAT-PMP there and its
	// TCP ports are not kept (Windows has no SO_REUSEPORT): no direct
	// session through two NATs. Windows itself supports the ioctl; the
	// patch only ignores that one refusal. Tests that need UDP say so.
	WineUDP bool
}

// Build builds t for Windows without cgo (GOOS=windows, CGO_ENABLED=0, as
// ra-p2p.exe ships), once per kit, and returns the .exe's path.
func (k *Kit) Build(t Target) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := fmt.Sprintf("%+v", t)
	if exe, ok := k.built[key]; ok {
		return exe, nil
	}
	name := strings.ReplaceAll(t.Pkg, "/", "-")
	args := []string{"build"}
	if t.Test {
		name += ".test"
		args = []string{"test", "-c"}
	}
	if t.WineUDP {
		name += "-wineudp"
		overlay, err := k.udpOverlay()
		if err != nil {
			return "", err
		}
		args = append(args, "-overlay", overlay)
	}
	exe := filepath.Join(k.dir, name+".exe")
	args = append(args, "-o", exe, "./"+t.Pkg)
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = k.root
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("wine: go %s for Windows: %v\n%s", strings.Join(args, " "), err, out)
	}
	k.built[key] = exe
	return exe, nil
}

// udpOverlay writes the overlay of Target.WineUDP and returns its path:
// net/fd_windows.go with a WSAEOPNOTSUPP (10045) from SIO_UDP_NETRESET
// ignored.
func (k *Kit) udpOverlay() (string, error) {
	path := filepath.Join(k.dir, "overlay.json")
	if fileExists(path) {
		return path, nil
	}
	orig := filepath.Join(goRoot(), "src", "net", "fd_windows.go")
	src, err := os.ReadFile(orig)
	if err != nil {
		return "", fmt.Errorf("wine: reading Go's %s for the UDP overlay: %w", orig, err)
	}
	const call = "err = syscall.WSAIoctl(fd.pfd.Sysfd, windows.SIO_UDP_NETRESET, (*byte)(unsafe.Pointer(&flag)), size, nil, 0, &ret, nil, 0)\n\t\tif err != nil {"
	if !bytes.Contains(src, []byte(call)) {
		return "", fmt.Errorf("wine: %s no longer sets SIO_UDP_NETRESET as test/wine expects: look at the overlay again", orig)
	}
	patched := bytes.Replace(src, []byte(call), []byte(strings.Replace(call, "err != nil", "err != nil && err != syscall.Errno(10045)", 1)), 1)
	file := filepath.Join(k.dir, "fd_windows.go")
	if err := os.WriteFile(file, patched, 0o644); err != nil {
		return "", err
	}
	overlay := fmt.Sprintf(`{"Replace":{%q:%q}}`, orig, file)
	return path, os.WriteFile(path, []byte(overlay), 0o644)
}

// Need returns k, or when it could not be made (err from NewKit) skips tb
// saying why, or fails it when RA_P2P_REQUIRE_ALL=1 (CI, where every test
// must run).
func Need(tb testing.TB, k *Kit, err error) *Kit {
	tb.Helper()
	if err == nil {
		return k
	}
	if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
		tb.Fatalf("%v, and RA_P2P_REQUIRE_ALL=1 forbids skipping", err)
	}
	tb.Skip(err)
	return nil
}

// Prefix is one test's Wine prefix, on the test's display.
type Prefix struct {
	Dir     string // WINEPREFIX
	Display string // the X display (":N") Wine's windows go to; "" = none
}

// Prefix gives tb a prefix of its own on display, a copy of the template;
// every Wine process in it is ended when tb ends.
func (k *Kit) Prefix(tb testing.TB, display string) *Prefix {
	tb.Helper()
	p := &Prefix{Dir: filepath.Join(tb.TempDir(), "prefix"), Display: display}
	if out, err := exec.Command("cp", "-a", k.template, p.Dir).CombinedOutput(); err != nil {
		tb.Fatalf("copying the Wine prefix: %v\n%s", err, out)
	}
	tb.Cleanup(p.stopServer)
	return p
}

// Env is what a program started under Wine in p needs in its environment
// (WINEPREFIX, WINEDEBUG, WINEDLLOVERRIDES, DISPLAY), added after the
// test's own: for programs started by other means (netlab, in a network
// namespace).
func (p *Prefix) Env() []string {
	env := []string{"WINEPREFIX=" + p.Dir, "WINEARCH=win64", "WINEDEBUG=-all",
		// The stand-in, not Wine's (missing) builtin; no Mono or Gecko
		// installer dialogs while booting.
		"WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml="}
	if p.Display != "" {
		env = append(env, "DISPLAY="+p.Display)
	}
	return env
}

// env is the environment of Wine programs in p: the test's, without its
// own display or Wine settings, and Env.
func (p *Prefix) env() []string {
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WINE") {
			env = append(env, e)
		}
	}
	return append(env, p.Env()...)
}

// Command is exe (a Windows program: a path, or a name Wine finds, such as
// "notepad") with args, to run under Wine in p, in a process group of its
// own.
func (p *Prefix) Command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, Loader, append([]string{exe}, args...)...)
	cmd.Env = p.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Run runs exe with args under Wine and returns what it printed (standard
// output and error) and its exit code; err is set only when it could not
// run or did not end within timeout.
func (p *Prefix) Run(timeout time.Duration, exe string, args ...string) (out string, code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := p.Command(ctx, exe, args...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return b.String(), -1, fmt.Errorf("%s did not end within %v", filepath.Base(exe), timeout)
	case errors.As(err, &exit):
		return b.String(), exit.ExitCode(), nil
	case err != nil:
		return b.String(), -1, err
	}
	return b.String(), 0, nil
}

// Start starts exe under Wine, stopped (its process group killed) when tb
// ends if it has not ended before.
func (p *Prefix) Start(tb testing.TB, exe string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := p.Command(context.Background(), exe, args...)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s under Wine: %v", exe, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		select {
		case <-done: // reaped: its group's number may be someone else's
			procgroup.KillStragglers(cmd.Process.Pid)
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	return cmd
}

// stopServer ends every Wine process of the prefix and waits for its
// wineserver to exit.
func (p *Prefix) stopServer() {
	for _, arg := range []string{"-k", "-w"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, Server, arg)
		cmd.Env = p.env()
		cmd.Run()
		cancel()
	}
}

// WinPath is the Windows path of a Linux path: Wine maps Z: to /.
func WinPath(path string) string { return `Z:` + strings.ReplaceAll(path, "/", `\`) }

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// moduleRoot is the directory of go.mod, two levels above this file.
func moduleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("wine: cannot find the module root")
	}
	return filepath.Join(filepath.Dir(file), "..", ".."), nil
}

// goTool is the go command of the running toolchain.
func goTool() string {
	if p := filepath.Join(goRoot(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

// goRoot is the toolchain's root, as `go env GOROOT` says (runtime.GOROOT
// is deprecated and may be empty).
func goRoot() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return runtime.GOROOT()
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
