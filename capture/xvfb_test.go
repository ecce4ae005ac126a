//go:build !windows

package capture

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// need skips the test when a program is missing, or fails it when
// RA_P2P_REQUIRE_ALL=1 (CI, where everything must be installed).
func need(tb testing.TB, prog, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(prog)
	if err != nil {
		msg := fmt.Sprintf("%s not found (Debian package %s)", prog, pkg)
		if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
			tb.Fatal(msg + " and RA_P2P_REQUIRE_ALL=1")
		}
		tb.Skip(msg + "; set RA_P2P_REQUIRE_ALL=1 to make this a failure")
	}
	return path
}

// xvfb is a private X server for one test.
type xvfb struct {
	display string // ":N"
	pid     int
}

// startXvfb starts `Xvfb :N -screen 0 WxHx24 -nolisten tcp -noreset` on a free display
// number with its own MIT-MAGIC-COOKIE (XAUTHORITY is set for the test, so xgb
// and xdotool find it and xgb does not complain about a missing ~/.Xauthority),
// waits until it accepts connections and stops it when the test ends.
func startXvfb(tb testing.TB, w, h int) *xvfb {
	tb.Helper()
	bin := need(tb, "Xvfb", "xvfb")
	auth := writeXauthority(tb)
	tb.Setenv("XAUTHORITY", auth)

	var lastErr error
	for try := 0; try < 20; try++ {
		// Random numbers keep parallel sessions on this machine apart; the
		// files are the X convention for "taken", and Xvfb itself refuses a
		// display whose lock it can't get (then we try the next one).
		n := 200 + mrand.IntN(700)
		if exists(fmt.Sprintf("/tmp/.X11-unix/X%d", n)) || exists(fmt.Sprintf("/tmp/.X%d-lock", n)) {
			continue
		}
		x, err := launchXvfb(tb, bin, n, w, h, auth)
		if err == nil {
			return x
		}
		lastErr = err
	}
	tb.Fatalf("no Xvfb could be started: %v", lastErr)
	return nil
}

func launchXvfb(tb testing.TB, bin string, n, w, h int, auth string) (*xvfb, error) {
	display := fmt.Sprintf(":%d", n)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, display, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-auth", auth,
		// Without -noreset the server resets when its last client leaves
		// (our readiness probe), and connections made meanwhile fail.
		"-noreset")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting Xvfb: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		// By PID: SIGTERM lets Xvfb remove its lock file and socket.
		syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("Xvfb %s exited: %s", display, strings.TrimSpace(lastLine(stderr.String())))
		default:
		}
		if exists(fmt.Sprintf("/tmp/.X11-unix/X%d", n)) {
			if c, err := xgb.NewConnDisplay(display); err == nil {
				closeConn(c)
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("Xvfb %s did not accept connections within 15 s: %s", display, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Cleanup(stop)
	return &xvfb{display: display, pid: cmd.Process.Pid}, nil
}

// writeXauthority writes an Xauthority file with one FamilyWild
// MIT-MAGIC-COOKIE-1 entry (any host, any display).
func writeXauthority(tb testing.TB) string {
	tb.Helper()
	cookie := make([]byte, 16)
	rand.Read(cookie)
	var b bytes.Buffer
	field := func(p []byte) {
		binary.Write(&b, binary.BigEndian, uint16(len(p)))
		b.Write(p)
	}
	binary.Write(&b, binary.BigEndian, uint16(0xffff)) // FamilyWild
	field(nil)                                         // address
	field(nil)                                         // display number: any
	field([]byte("MIT-MAGIC-COOKIE-1"))
	field(cookie)
	path := filepath.Join(tb.TempDir(), "Xauthority")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, os.ErrNotExist)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// painter draws on the root window of a display through its own connection,
// the way another client's drawing reaches the screen.
type painter struct {
	tb   testing.TB
	conn *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
}

func newPainter(tb testing.TB, display string) *painter {
	tb.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeConn(conn) })
	p := &painter{tb: tb, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
	p.gc, err = xproto.NewGcontextId(conn)
	if err != nil {
		tb.Fatal(err)
	}
	if err := xproto.CreateGCChecked(conn, p.gc, xproto.Drawable(p.root), 0, nil).Check(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// fill paints r with colour 0xRRGGBB and waits until the server has done it.
func (p *painter) fill(rgb uint32, r image.Rectangle) {
	xproto.ChangeGC(p.conn, p.gc, xproto.GcForeground, []uint32{rgb})
	xproto.PolyFillRectangle(p.conn, xproto.Drawable(p.root), p.gc, []xproto.Rectangle{{
		X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy()),
	}})
	p.conn.Sync()
}

// closeConn closes an xgb connection and waits until xgb's goroutines are
// done, so that stopping Xvfb right after does not make xgb log read errors.
func closeConn(c *xgb.Conn) {
	c.Close()
	for {
		if ev, err := c.WaitForEvent(); ev == nil && err == nil {
			return
		}
	}
}
