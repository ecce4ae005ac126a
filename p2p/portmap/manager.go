package portmap

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Port is a local port to forward: Proto is "udp" or "tcp".
type Port struct {
	Proto string
	Port  int
}

// Lifetime is how long each mapping is asked for; it is renewed at half.
// A crashed program's mappings go away by themselves after this.
const Lifetime = time.Hour

// Status is what the manager knows, for `ra-p2p check` and logs.
type Status struct {
	// Done is true once discovery has ended, found or not.
	Done bool
	// Method is the protocol the router answered ("" if none).
	Method string
	// Mapped are the ports forwarded now, local port → public address.
	Mapped map[Port]netip.AddrPort
	// Err says why discovery or the last mapping failed.
	Err error
}

// Manager keeps the wanted ports forwarded. Its zero value is not usable;
// use NewManager.
type Manager struct {
	log      *slog.Logger
	discover func(context.Context) (Gateway, error)

	mu     sync.Mutex
	gw     Gateway
	done   bool
	err    error
	wanted map[Port]bool
	mapped map[Port]mapping
	notify func() // OnChange

	changed   chan struct{} // cap 1: Want was called
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type mapping struct {
	external netip.AddrPort
	renewAt  time.Time
}

// NewManager starts discovering the router in the background with
// Discover(ctx, method); a test may pass its own discover instead. Close
// stops it and removes every mapping it made.
func NewManager(logger *slog.Logger, method Method, discover func(context.Context) (Gateway, error)) *Manager {
	if discover == nil {
		discover = func(ctx context.Context) (Gateway, error) { return Discover(ctx, method) }
	}
	m := &Manager{log: logger, discover: discover, wanted: map[Port]bool{}, mapped: map[Port]mapping{},
		changed: make(chan struct{}, 1)}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.wg.Add(1)
	go m.run()
	return m
}

// OnChange sets f to be called (from the manager's goroutine) whenever a
// mapping appears or goes.
func (m *Manager) OnChange(f func()) {
	m.mu.Lock()
	m.notify = f
	m.mu.Unlock()
}

func (m *Manager) changedMappings() {
	m.mu.Lock()
	f := m.notify
	m.mu.Unlock()
	if f != nil {
		f()
	}
}

// Want sets the ports that should be forwarded; others are removed.
func (m *Manager) Want(ports []Port) {
	m.mu.Lock()
	m.wanted = map[Port]bool{}
	for _, p := range ports {
		m.wanted[p] = true
	}
	m.mu.Unlock()
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// External is the public address forwarded to the local port, if any.
func (m *Manager) External(p Port) (netip.AddrPort, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mp, ok := m.mapped[p]
	return mp.external, ok
}

// Discovered reports whether a router answered.
func (m *Manager) Discovered() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gw != nil
}

// Status is a snapshot of what the manager knows.
func (m *Manager) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Status{Done: m.done, Err: m.err, Mapped: map[Port]netip.AddrPort{}}
	if m.gw != nil {
		s.Method = m.gw.Method()
	}
	for p, mp := range m.mapped {
		s.Mapped[p] = mp.external
	}
	return s
}

// WaitMapped waits until every wanted port is mapped, discovery failed, or
// ctx ends, and returns the status then.
func (m *Manager) WaitMapped(ctx context.Context) Status {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		s := m.Status()
		m.mu.Lock()
		all := len(m.wanted) > 0
		for p := range m.wanted {
			if _, ok := m.mapped[p]; !ok {
				all = false
			}
		}
		m.mu.Unlock()
		if all || (s.Done && s.Method == "") {
			return s
		}
		select {
		case <-ctx.Done():
			return s
		case <-t.C:
		}
	}
}

// Close stops the manager and removes its mappings. Removal uses its own
// short deadline: a cancelled context here is what left libp2p's mappings
// behind.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() {
		m.cancel()
		m.wg.Wait()
		m.mu.Lock()
		gw, mapped := m.gw, m.mapped
		m.mapped = map[Port]mapping{}
		m.mu.Unlock()
		if gw == nil || len(mapped) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		for p, mp := range mapped {
			if err := gw.Unmap(ctx, p.Proto, p.Port, mp.external); err != nil {
				m.log.Warn("could not remove a port mapping; the router drops it when its lease ends", "port", p.Port, "proto", p.Proto, "err", err)
				continue
			}
			m.log.Info("port mapping removed", "method", gw.Method(), "proto", p.Proto, "port", p.Port, "external", mp.external)
		}
	})
	return nil
}

func (m *Manager) run() {
	defer m.wg.Done()
	dctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
	gw, err := m.discover(dctx)
	cancel()
	m.mu.Lock()
	m.gw, m.err, m.done = gw, err, true
	m.mu.Unlock()
	if err != nil {
		if m.ctx.Err() == nil {
			m.log.Info("the router forwards no ports (no UPnP IGD or NAT-PMP answer)", "err", err)
		}
		return
	}
	m.log.Info("router found", "method", gw.Method())
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next := m.sync(gw)
		timer.Reset(time.Until(next))
		select {
		case <-m.ctx.Done():
			return
		case <-m.changed:
		case <-timer.C:
		}
	}
}

// sync maps wanted ports, renews those due and removes unwanted ones; it
// returns when it should run again.
func (m *Manager) sync(gw Gateway) time.Time {
	m.mu.Lock()
	wanted := maps.Clone(m.wanted)
	mapped := maps.Clone(m.mapped)
	m.mu.Unlock()
	now := time.Now()
	next := now.Add(Lifetime / 2)
	var errs []error
	for _, p := range slices.Collect(maps.Keys(mapped)) {
		if !wanted[p] {
			// Not m.ctx: listeners close while the program stops, and a
			// removal cut short by Close is a mapping left behind.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err := gw.Unmap(ctx, p.Proto, p.Port, mapped[p].external)
			cancel()
			if err != nil {
				m.log.Warn("could not remove a port mapping; trying again on exit", "port", p.Port, "err", err)
				continue // Close tries again
			}
			m.mu.Lock()
			delete(m.mapped, p)
			m.mu.Unlock()
			m.changedMappings()
		}
	}
	for p := range wanted {
		if mp, ok := mapped[p]; ok && now.Before(mp.renewAt) {
			next = minTime(next, mp.renewAt)
			continue
		}
		ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
		ext, err := gw.Map(ctx, p.Proto, p.Port, Lifetime)
		cancel()
		if err != nil {
			if m.ctx.Err() != nil {
				return next
			}
			errs = append(errs, err)
			m.log.Warn("port mapping failed", "method", gw.Method(), "proto", p.Proto, "port", p.Port, "err", err)
			next = minTime(next, now.Add(30*time.Second))
			continue
		}
		m.mu.Lock()
		still := m.wanted[p]
		if still {
			m.mapped[p] = mapping{external: ext, renewAt: now.Add(Lifetime / 2)}
		}
		m.mu.Unlock()
		if !still { // Want dropped it meanwhile: take it away at once
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = gw.Unmap(ctx, p.Proto, p.Port, ext)
			cancel()
			continue
		}
		if old, renewal := mapped[p]; !renewal || old.external != ext {
			m.log.Info("port mapped", "method", gw.Method(), "proto", p.Proto, "port", p.Port, "external", ext)
			m.changedMappings()
		}
	}
	m.mu.Lock()
	m.err = errors.Join(errs...)
	m.mu.Unlock()
	return next
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
