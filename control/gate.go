package control

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// State is where the consent state machine is (table in doc.go).
type State int

const (
	Disabled State = iota // control is off for this invitation (--no-control) or cannot work here; nothing is asked
	ViewOnly              // the default: the helper sees the screen; every input event is dropped
	Asking                // the helper asked and the novice is being asked; events are still dropped
	Granted               // the novice allowed it: valid events are injected
)

func (s State) String() string {
	switch s {
	case Disabled:
		return "disabled"
	case ViewOnly:
		return "view only"
	case Asking:
		return "asking"
	case Granted:
		return "granted"
	}
	return fmt.Sprintf("state %d", int(s))
}

// Sentinel errors a caller branches on.
var (
	ErrDisabled   = errors.New("control: remote control is turned off for this invitation")
	ErrAsking     = errors.New("control: the novice is already being asked")
	ErrTooSoon    = errors.New("control: control was asked for too recently; ask again in a few seconds")
	ErrGranted    = errors.New("control: control is already granted")
	ErrNotGranted = errors.New("control: the novice has not given control; event dropped")
)

// DefaultMinRequestInterval is GateConfig.MinRequestInterval when zero.
const DefaultMinRequestInterval = 5 * time.Second

// escapeMinInterval is the least time between two Escape presses the gate
// injects for the helper. With EscapeIgnoreWindow it bounds how much of the
// time a helper pressing Escape could hide the novice's own ESC (doc.go).
const escapeMinInterval = 300 * time.Millisecond

// dropLogInterval is the least time between two log lines about dropped
// events; the lines in between are counted.
const dropLogInterval = 5 * time.Second

// GateConfig configures a Gate. The zero value is a gate that refuses
// everything.
type GateConfig struct {
	Enabled            bool             // false (zero, or --no-control): the gate stays Disabled and refuses every request without asking
	Injector           Injector         // where allowed events go; nil keeps the gate Disabled whatever Enabled says
	MinRequestInterval time.Duration    // least time between two requests put to the novice; 0 = DefaultMinRequestInterval
	Now                func() time.Time // the clock; nil = time.Now
	Logger             *slog.Logger     // nil = no logging
}

// Gate is the consent state machine between the control stream and the
// injector. It starts in ViewOnly (Disabled without consent to ask for),
// injects only in Granted, only events that pass Validate, and remembers
// what it pressed so that taking control back releases it. Its methods may
// be called from any goroutine.
type Gate struct {
	inj      Injector
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger

	state      atomic.Int32 // the State, also kept under mu; read without mu by State
	lastEscape atomic.Int64 // when the gate last injected an Escape press (Unix ns of now()); 0 = never
	revoking   atomic.Int32 // > 0 while a Revoke or Release waits for mu: a long Text stops early

	mu          sync.Mutex
	lastRequest time.Time         // when the last request was put to the novice; zero = never
	keys        map[uint32]string // keys pressed and not released, by keysym, with the name they were pressed by
	buttons     [4]bool           // buttons 1..3 pressed and not released
	listeners   []func(old, new State)
	pending     []change // transitions whose listeners have not run yet
	delivering  bool     // a goroutine is running listeners; others leave their changes to it
	dropped     int      // events dropped since the last log line about it
	lastDropLog time.Time
}

type change struct{ old, new State }

// NewGate returns a gate in ViewOnly, or in Disabled when cfg.Enabled is
// false or there is no injector.
func NewGate(cfg GateConfig) *Gate {
	g := &Gate{
		inj:      cfg.Injector,
		interval: cfg.MinRequestInterval,
		now:      cfg.Now,
		log:      cfg.Logger,
		keys:     make(map[uint32]string),
	}
	if g.interval <= 0 {
		g.interval = DefaultMinRequestInterval
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	s := Disabled
	if cfg.Enabled && cfg.Injector != nil {
		s = ViewOnly
	}
	g.state.Store(int32(s))
	return g
}

// State returns the current state. It never waits for an injection.
func (g *Gate) State() State { return State(g.state.Load()) }

// OnChange adds f to the functions called after each transition, with the
// old and the new state, in the order of the transitions, outside the
// gate's lock (f may call the gate). Transitions made by f itself are
// reported after f returns.
func (g *Gate) OnChange(f func(old, new State)) {
	g.mu.Lock()
	g.listeners = append(g.listeners, f)
	g.mu.Unlock()
}

// Request records that the helper asked for control. From ViewOnly it moves
// to Asking and returns nil: the caller then asks the novice and reports
// the answer with Decide. It refuses with ErrDisabled (nothing is asked),
// ErrAsking, ErrGranted, or ErrTooSoon when the previous request put to the
// novice was less than MinRequestInterval ago.
func (g *Gate) Request() error {
	g.mu.Lock()
	var err error
	switch g.State() {
	case Disabled:
		err = ErrDisabled
	case Asking:
		err = ErrAsking
	case Granted:
		err = ErrGranted
	default:
		now := g.now()
		if !g.lastRequest.IsZero() && now.Sub(g.lastRequest) < g.interval {
			err = ErrTooSoon
			break
		}
		g.lastRequest = now
		g.setLocked(Asking)
	}
	g.unlockAndNotify()
	if err != nil {
		g.log.Info("control request refused", "reason", err)
	}
	return err
}

// Decide records the novice's answer: from Asking to Granted when allow,
// else to ViewOnly. In any other state (the question was withdrawn by a
// Revoke, the session ended) the answer is ignored.
func (g *Gate) Decide(allow bool) {
	g.mu.Lock()
	if g.State() == Asking {
		if allow {
			g.setLocked(Granted)
		} else {
			g.setLocked(ViewOnly)
		}
	}
	g.unlockAndNotify()
}

// Revoke is the novice taking control back (ESC, Stop Control, the window
// closed, the session ended): the gate goes to ViewOnly (Disabled stays
// Disabled), withdraws a pending question, and releases every key and
// button it injected and still holds down. It returns whether control was
// granted before. It waits for an injection in progress; a long Text stops
// at the next character.
func (g *Gate) Revoke() bool {
	g.revoking.Add(1)
	g.mu.Lock()
	g.revoking.Add(-1)
	was := g.State() == Granted
	g.releaseLocked()
	if g.State() != Disabled {
		g.setLocked(ViewOnly)
	}
	g.unlockAndNotify()
	return was
}

// Release is the helper giving control back; it does what Revoke does.
func (g *Gate) Release() bool { return g.Revoke() }

// Inject injects e if, and only if, the gate is in Granted and e passes
// Validate against the injector's screen. Otherwise e is dropped and
// logged (at most one line every few seconds, with a count) and Inject
// returns ErrNotGranted or the validation error (wrapping
// ErrInvalidEvent). Events are applied in a way that keeps the novice
// able to take control back:
//
//   - MouseButton and Wheel move the pointer to X, Y first;
//   - a button or key is released only if the gate pressed it, and a
//     button already held is not pressed again (a key is: autorepeat);
//   - Escape is pressed and released at once when its press arrives (its
//     release is ignored), at most once every 300 ms, so the helper can
//     never hold Escape down or keep pressing it to hide the novice's ESC.
func (g *Gate) Inject(e desktop.Event) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.State() != Granted {
		g.dropLocked(e, ErrNotGranted)
		return ErrNotGranted
	}
	w, h := g.inj.ScreenSize()
	if err := Validate(e, w, h); err != nil {
		g.dropLocked(e, err)
		return err
	}
	if err := g.injectLocked(e); err != nil {
		return fmt.Errorf("injecting %s: %w", e.Kind, err)
	}
	return nil
}

// InjectedEscape reports whether the gate injected an Escape press within
// the last `within`, so that the ESC watcher can tell it from the novice's.
// It never waits for an injection.
func (g *Gate) InjectedEscape(within time.Duration) bool {
	last := g.lastEscape.Load()
	return last != 0 && g.now().Sub(time.Unix(0, last)) <= within
}

func (g *Gate) injectLocked(e desktop.Event) error {
	switch e.Kind {
	case desktop.MouseMove:
		return g.inj.Move(e.X, e.Y)
	case desktop.MouseButton:
		if g.buttons[e.Button] == e.Down {
			return nil // already held, or not pressed by the gate: nothing to do
		}
		if err := g.inj.Move(e.X, e.Y); err != nil {
			return err
		}
		// Held or not is decided before the outcome: a failed release is
		// not retried by Revoke, a failed press is released to be safe.
		g.buttons[e.Button] = e.Down
		return g.inj.Button(e.Button, e.Down)
	case desktop.Wheel:
		if err := g.inj.Move(e.X, e.Y); err != nil {
			return err
		}
		return g.inj.Scroll(e.DX, e.DY)
	case desktop.Key:
		ks, err := lookupKeysym(e.Key)
		if err != nil {
			return err // Validate has checked it already
		}
		if ks == xkEscape {
			return g.escapeLocked(e.Key, e.Down)
		}
		name, held := g.keys[ks]
		if !e.Down {
			if !held {
				return nil // the gate did not press it: never release the novice's own keys
			}
			delete(g.keys, ks)
			return g.inj.Key(name, false)
		}
		if !held {
			g.keys[ks] = e.Key
		}
		return g.inj.Key(e.Key, true)
	case desktop.Text:
		for _, r := range e.Text {
			if g.revoking.Load() > 0 {
				return ErrNotGranted // the novice is taking control back
			}
			if err := g.inj.Text(string(r)); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %d", ErrInvalidEvent, e.Kind)
}

// escapeLocked injects the helper's Escape as one quick press and release.
func (g *Gate) escapeLocked(name string, down bool) error {
	if !down {
		return nil // released already, right after its press
	}
	now := g.now()
	if last := g.lastEscape.Load(); last != 0 && now.Sub(time.Unix(0, last)) < escapeMinInterval {
		err := fmt.Errorf("control: the helper pressed Escape again within %v; dropped", escapeMinInterval)
		g.dropLocked(desktop.Event{Kind: desktop.Key}, err)
		return err
	}
	// Recorded before the press reaches the X server, so that the watcher,
	// which sees it after, always finds it.
	g.lastEscape.Store(now.UnixNano())
	if err := g.inj.Key(name, true); err != nil {
		return err
	}
	return g.inj.Key(name, false)
}

// releaseLocked releases everything the gate holds down.
func (g *Gate) releaseLocked() {
	for ks, name := range g.keys {
		if err := g.inj.Key(name, false); err != nil {
			g.log.Warn("releasing a key the helper held", "key", name, "err", err)
		}
		delete(g.keys, ks)
	}
	for b := 1; b < len(g.buttons); b++ {
		if g.buttons[b] {
			if err := g.inj.Button(b, false); err != nil {
				g.log.Warn("releasing a button the helper held", "button", b, "err", err)
			}
			g.buttons[b] = false
		}
	}
}

// dropLocked logs a dropped event, at most once every dropLogInterval.
// Key names and text are never logged: they may be what the helper typed.
func (g *Gate) dropLocked(e desktop.Event, why error) {
	g.dropped++
	now := g.now()
	if !g.lastDropLog.IsZero() && now.Sub(g.lastDropLog) < dropLogInterval {
		return
	}
	g.log.Info("input event dropped", "kind", e.Kind, "state", g.State(), "reason", why, "dropped", g.dropped)
	g.lastDropLog, g.dropped = now, 0
}

// setLocked moves to s and queues the listeners' call.
func (g *Gate) setLocked(s State) {
	old := g.State()
	if old == s {
		return
	}
	g.state.Store(int32(s))
	g.pending = append(g.pending, change{old, s})
	g.log.Info("control state changed", "from", old, "to", s)
}

// unlockAndNotify unlocks mu and runs the listeners for queued transitions,
// unless another goroutine (or a caller up this goroutine's stack) is
// already doing so; that one then runs them, in order.
func (g *Gate) unlockAndNotify() {
	if g.delivering || len(g.pending) == 0 {
		g.mu.Unlock()
		return
	}
	g.delivering = true
	for len(g.pending) > 0 {
		c := g.pending[0]
		g.pending = g.pending[1:]
		fs := g.listeners[:len(g.listeners):len(g.listeners)]
		g.mu.Unlock()
		for _, f := range fs {
			f(c.old, c.new)
		}
		g.mu.Lock()
	}
	g.delivering = false
	g.mu.Unlock()
}
