package portmap

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// recordingGateway stands in for the router in the manager's bookkeeping
// tests only; the real protocols are proven against miniupnpd in test/.
type recordingGateway struct {
	mu     sync.Mutex
	mapped map[Port]netip.AddrPort
	calls  []string
}

func (g *recordingGateway) Method() string { return "test" }

func (g *recordingGateway) Map(_ context.Context, proto string, port int, _ time.Duration) (netip.AddrPort, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ext := netip.AddrPortFrom(netip.MustParseAddr("203.0.113.100"), uint16(port+1))
	g.mapped[Port{proto, port}] = ext
	g.calls = append(g.calls, "map "+proto)
	return ext, nil
}

func (g *recordingGateway) Unmap(_ context.Context, proto string, port int, ext netip.AddrPort) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mapped[Port{proto, port}] != ext {
		return errors.New("no such mapping")
	}
	delete(g.mapped, Port{proto, port})
	g.calls = append(g.calls, "unmap "+proto)
	return nil
}

func (g *recordingGateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.mapped)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestManagerMapsWhatIsWantedAndRemovesAllOnClose(t *testing.T) {
	gw := &recordingGateway{mapped: map[Port]netip.AddrPort{}}
	m := NewManager(quiet(), Auto, func(context.Context) (Gateway, error) { return gw, nil })
	udp, tcp := Port{"udp", 4001}, Port{"tcp", 4002}
	m.Want([]Port{udp, tcp})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := m.WaitMapped(ctx)
	if len(s.Mapped) != 2 || s.Method != "test" {
		t.Fatalf("status %+v, want both ports mapped", s)
	}
	if ext, ok := m.External(udp); !ok || ext.Port() != 4002 {
		t.Errorf("External(udp) = %v, %v", ext, ok)
	}
	m.Want([]Port{udp}) // tcp no longer listened on
	for gw.count() != 1 {
		if ctx.Err() != nil {
			t.Fatalf("the unwanted mapping was not removed: %v", gw.calls)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := m.External(tcp); ok {
		t.Error("External still reports the removed mapping")
	}
	m.Close()
	if n := gw.count(); n != 0 {
		t.Errorf("%d mappings left after Close: %v", n, gw.calls)
	}
}

func TestManagerWithoutRouter(t *testing.T) {
	m := NewManager(quiet(), Auto, func(context.Context) (Gateway, error) { return nil, errors.New("nobody answered") })
	defer m.Close()
	m.Want([]Port{{"udp", 4001}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := m.WaitMapped(ctx)
	if !s.Done || s.Method != "" || s.Err == nil || len(s.Mapped) != 0 || m.Discovered() {
		t.Errorf("status %+v, want discovery done and failed", s)
	}
}
