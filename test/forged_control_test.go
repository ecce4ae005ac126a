//go:build linux

package test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestForgedControl speaks the control protocol directly to a real novice
// (the ra-p2p binary with its window, on loopback) and checks that nothing
// it was not allowed to do reaches the novice's display:
//   - the accepted helper sends input events without asking for control:
//     every one is dropped (the pointer does not move) and the novice logs it;
//   - a peer that holds the invitation but is not the accepted helper opens
//     a control stream: it is reset, and a request over it asks nobody.
func TestForgedControl(t *testing.T) {
	nd := xdisplay.Start(t, 1280, 720)
	dir := t.TempDir()
	nodeOut := startLocal(t, nil, binPath, "node", "--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
	addr := waitOutput(t, nodeOut, `--bootstrap (\S+)`, 20*time.Second)[1]
	file := filepath.Join(dir, "alice.rainvite")
	novice := startLocal(t, []string{nd.Env(), "XDG_CONFIG_HOME=" + filepath.Join(dir, "novice")},
		binPath, "invite", "--yes", "--verbose", "--name", "Alice", "--bootstrap", addr, "-o", file)
	waitOutput(t, novice, `Waiting for your helper`, 30*time.Second)
	nd.Do("xdotool", "mousemove", "10", "10")

	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := invite.Parse(data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bootstrap, err := p2p.ParseAddrInfos([]string{addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The accepted helper, in this process, sends input without consent.
	s, err := session.Help(ctx, session.HelpConfig{Invitation: inv, Name: "Mallory", Bootstrap: bootstrap})
	if err != nil {
		t.Fatalf("Help: %v", err)
	}
	defer s.Close()
	rw, err := s.OpenChannel(ctx, stream.ControlProtocol)
	if err != nil {
		t.Fatal(err)
	}
	conn := stream.NewControlConn(rw)
	for i := 0; i < 20; i++ {
		if err := conn.SendInput(desktop.Event{Kind: desktop.MouseMove, X: 600 + i, Y: 400}); err != nil {
			t.Fatalf("sending input: %v", err)
		}
	}
	conn.SendInput(desktop.Event{Kind: desktop.Text, Text: "rm -rf ~"})
	time.Sleep(time.Second)
	if x, y := nd.Pointer(); x != 10 || y != 10 {
		t.Errorf("input sent before consent moved the novice's pointer to %d,%d", x, y)
	}
	t.Log(waitOutput(t, novice, `.*(dropped|refused|not granted).*`, 5*time.Second)[0])

	// A peer that is not the accepted helper: its control stream is reset.
	key, _, _ := crypto.GenerateEd25519Key(nil)
	h, err := p2p.New(p2p.Config{Identity: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Bootstrap: bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	ai, err := h.FindProvider(ctx, inv.DiscoveryKey(), inv.PeerID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ConnectDirect(ctx, ai, 1); err != nil {
		t.Fatal(err)
	}
	st, err := h.OpenStream(ctx, inv.PeerID, stream.ControlProtocol)
	if err == nil {
		fc := stream.NewControlConn(st)
		fc.SendControl(stream.ControlMessage{Op: stream.ControlRequest})
		st.SetReadDeadline(time.Now().Add(5 * time.Second))
		if msg, _, rerr := fc.Receive(); rerr == nil {
			t.Errorf("a peer that is not the accepted helper got an answer on the control stream: %+v", msg)
		}
		st.Reset()
	}
	waitOutput(t, novice, `refusing stream from a peer that is not the accepted helper`, 5*time.Second)
	if strings.Contains(novice.String(), "would like to share control") {
		t.Errorf("the novice was asked about control by a forged request:\n%s", novice.String())
	}
}

// localOutput collects a process's output.
type localOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *localOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *localOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startLocal runs a program on this machine (loopback only) and stops it,
// by PID, when the test ends.
func startLocal(t *testing.T, env []string, name string, args ...string) *localOutput {
	t.Helper()
	out := &localOutput{}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("output of %s %v:\n%s", name, args, out.String())
		}
	})
	return out
}

func waitOutput(t *testing.T, o *localOutput, pattern string, d time.Duration) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(d)
	for {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output after %v:\n%s", pattern, d, o.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
