package control

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// recorder is a hand-written Injector that records what reaches it: the
// state machine is what these tests are about, not X.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(format string, args ...any) error {
	r.mu.Lock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	return nil
}

func (r *recorder) Move(x, y int) error           { return r.add("move %d,%d", x, y) }
func (r *recorder) Button(b int, down bool) error { return r.add("button %d %s", b, updown(down)) }
func (r *recorder) Scroll(dx, dy int) error       { return r.add("scroll %d,%d", dx, dy) }
func (r *recorder) Key(k string, down bool) error { return r.add("key %s %s", k, updown(down)) }
func (r *recorder) Text(s string) error           { return r.add("text %s", s) }
func (r *recorder) ScreenSize() (int, int)        { return 1280, 720 }
func (r *recorder) Close() error                  { return nil }

// take returns the calls so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func updown(down bool) string {
	if down {
		return "down"
	}
	return "up"
}

// clock is a settable clock for the gate.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type gateRig struct {
	t       *testing.T
	g       *Gate
	rec     *recorder
	clk     *clock
	changes []string
}

func newRig(t *testing.T, enabled bool) *gateRig {
	r := &gateRig{t: t, rec: &recorder{}, clk: &clock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}}
	r.g = NewGate(GateConfig{Enabled: enabled, Injector: r.rec, Now: r.clk.now})
	r.g.OnChange(func(old, new State) { r.changes = append(r.changes, old.String()+"→"+new.String()) })
	return r
}

// grant takes the gate from ViewOnly to Granted the normal way.
func (r *gateRig) grant() {
	r.t.Helper()
	if err := r.g.Request(); err != nil {
		r.t.Fatalf("Request: %v", err)
	}
	r.g.Decide(true)
	if s := r.g.State(); s != Granted {
		r.t.Fatalf("state after Request and Decide(true) = %v", s)
	}
}

func (r *gateRig) inject(e desktop.Event) error {
	r.t.Helper()
	return r.g.Inject(e)
}

func (r *gateRig) want(calls ...string) {
	r.t.Helper()
	got := r.rec.take()
	if !slices.Equal(got, calls) {
		r.t.Fatalf("injected %q, want %q", got, calls)
	}
}

var move = desktop.Event{Kind: desktop.MouseMove, X: 10, Y: 20}

func TestGate(t *testing.T) {
	tests := map[string]func(r *gateRig){
		"starts view only and drops every event": func(r *gateRig) {
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("state = %v, want view only", s)
			}
			for _, e := range []desktop.Event{move, {Kind: desktop.MouseButton, Button: 1, Down: true}, {Kind: desktop.Key, Key: "a", Down: true}, {Kind: desktop.Text, Text: "x"}} {
				if err := r.inject(e); !errors.Is(err, ErrNotGranted) {
					t.Fatalf("Inject(%v) = %v, want ErrNotGranted", e.Kind, err)
				}
			}
			r.want()
		},
		"events while asking are dropped; allow grants": func(r *gateRig) {
			if err := r.g.Request(); err != nil {
				t.Fatal(err)
			}
			if s := r.g.State(); s != Asking {
				t.Fatalf("state = %v, want asking", s)
			}
			if err := r.inject(move); !errors.Is(err, ErrNotGranted) {
				t.Fatalf("Inject while asking = %v", err)
			}
			if err := r.g.Request(); !errors.Is(err, ErrAsking) {
				t.Fatalf("second Request = %v, want ErrAsking", err)
			}
			r.g.Decide(true)
			if err := r.inject(move); err != nil {
				t.Fatal(err)
			}
			r.want("move 10,20")
			if err := r.g.Request(); !errors.Is(err, ErrGranted) {
				t.Fatalf("Request while granted = %v, want ErrGranted", err)
			}
			if want := []string{"view only→asking", "asking→granted"}; !slices.Equal(r.changes, want) {
				t.Fatalf("changes %q, want %q", r.changes, want)
			}
		},
		"deny, then a request within the interval is too soon": func(r *gateRig) {
			r.g.Request()
			r.g.Decide(false)
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("state after deny = %v", s)
			}
			r.clk.add(4 * time.Second)
			if err := r.g.Request(); !errors.Is(err, ErrTooSoon) {
				t.Fatalf("Request 4 s later = %v, want ErrTooSoon", err)
			}
			r.clk.add(time.Second)
			if err := r.g.Request(); err != nil {
				t.Fatalf("Request 5 s later = %v", err)
			}
			r.want()
		},
		"an answer without a question is ignored": func(r *gateRig) {
			r.g.Decide(true)
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("Decide(true) from view only gave %v", s)
			}
		},
		"revoke while asking withdraws the question; a late allow is ignored": func(r *gateRig) {
			r.g.Request()
			if r.g.Revoke() {
				t.Fatal("Revoke while asking reported control was granted")
			}
			r.g.Decide(true)
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("state = %v, want view only", s)
			}
		},
		"revoke releases every held key and button": func(r *gateRig) {
			r.grant()
			for _, e := range []desktop.Event{
				{Kind: desktop.Key, Key: "Shift_L", Down: true},
				{Kind: desktop.Key, Key: "a", Down: true},
				{Kind: desktop.MouseButton, X: 5, Y: 6, Button: 1, Down: true},
				{Kind: desktop.MouseButton, X: 5, Y: 6, Button: 3, Down: true},
				{Kind: desktop.Key, Key: "b", Down: true},
				{Kind: desktop.Key, Key: "b", Down: false},
			} {
				if err := r.inject(e); err != nil {
					t.Fatal(err)
				}
			}
			r.rec.take()
			if !r.g.Revoke() {
				t.Fatal("Revoke did not report that control was granted")
			}
			got := r.rec.take()
			slices.Sort(got)
			if want := []string{"button 1 up", "button 3 up", "key Shift_L up", "key a up"}; !slices.Equal(got, want) {
				t.Fatalf("Revoke released %q, want %q", got, want)
			}
			if r.g.Revoke() {
				t.Fatal("second Revoke reported control was granted")
			}
			r.want() // nothing left to release
			if err := r.inject(move); !errors.Is(err, ErrNotGranted) {
				t.Fatalf("Inject after Revoke = %v", err)
			}
		},
		"release by the helper does the same": func(r *gateRig) {
			r.grant()
			r.inject(desktop.Event{Kind: desktop.Key, Key: "Control_L", Down: true})
			r.rec.take()
			if !r.g.Release() {
				t.Fatal("Release did not report that control was granted")
			}
			r.want("key Control_L up")
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("state after Release = %v", s)
			}
		},
		"only what the gate pressed is released, a held button is not pressed twice": func(r *gateRig) {
			r.grant()
			r.inject(desktop.Event{Kind: desktop.Key, Key: "a", Down: false})
			r.inject(desktop.Event{Kind: desktop.MouseButton, X: 1, Y: 2, Button: 2, Down: false})
			r.want()
			r.inject(desktop.Event{Kind: desktop.MouseButton, X: 1, Y: 2, Button: 1, Down: true})
			r.inject(desktop.Event{Kind: desktop.MouseButton, X: 1, Y: 2, Button: 1, Down: true})
			r.inject(desktop.Event{Kind: desktop.MouseButton, X: 3, Y: 4, Button: 1, Down: false})
			r.want("move 1,2", "button 1 down", "move 3,4", "button 1 up")
			r.inject(desktop.Event{Kind: desktop.Key, Key: "a", Down: true})
			r.inject(desktop.Event{Kind: desktop.Key, Key: "a", Down: true}) // autorepeat
			r.inject(desktop.Event{Kind: desktop.Key, Key: "a", Down: false})
			r.want("key a down", "key a down", "key a up")
		},
		"wheel and text": func(r *gateRig) {
			r.grant()
			r.inject(desktop.Event{Kind: desktop.Wheel, X: 7, Y: 8, DY: 3})
			r.inject(desktop.Event{Kind: desktop.Text, Text: "é日\n"})
			r.want("move 7,8", "scroll 0,3", "text é", "text 日", "text \n")
		},
		"invalid events are refused even when granted": func(r *gateRig) {
			r.grant()
			for _, e := range []desktop.Event{
				{Kind: desktop.MouseMove, X: 1280, Y: 0},
				{Kind: desktop.MouseButton, X: 1, Y: 1, Button: 4, Down: true},
				{Kind: desktop.Key, Key: "Terminate_Server", Down: true},
				{Kind: desktop.Text, Text: "\x1b[2J"},
			} {
				if err := r.inject(e); !errors.Is(err, ErrInvalidEvent) {
					t.Fatalf("Inject(%+v) = %v, want ErrInvalidEvent", e, err)
				}
			}
			r.want()
		},
		"escape is a tap, recorded, and rate-limited": func(r *gateRig) {
			r.grant()
			if r.g.InjectedEscape(time.Hour) {
				t.Fatal("InjectedEscape before any Escape")
			}
			if err := r.inject(desktop.Event{Kind: desktop.Key, Key: "Escape", Down: true}); err != nil {
				t.Fatal(err)
			}
			r.want("key Escape down", "key Escape up")
			r.inject(desktop.Event{Kind: desktop.Key, Key: "Escape", Down: false})
			r.want()
			if !r.g.InjectedEscape(200 * time.Millisecond) {
				t.Fatal("InjectedEscape(200ms) false right after an injected Escape")
			}
			r.clk.add(100 * time.Millisecond)
			if err := r.inject(desktop.Event{Kind: desktop.Key, Key: "Escape", Down: true}); err == nil {
				t.Fatal("a second Escape 100 ms later was injected")
			}
			r.want()
			r.clk.add(200 * time.Millisecond)
			if r.g.InjectedEscape(200 * time.Millisecond) {
				t.Fatal("InjectedEscape(200ms) true 300 ms after the last injected Escape")
			}
			if err := r.inject(desktop.Event{Kind: desktop.Key, Key: "Escape", Down: true}); err != nil {
				t.Fatalf("Escape 300 ms later: %v", err)
			}
			r.want("key Escape down", "key Escape up")
			if r.g.Revoke(); len(r.rec.take()) != 0 {
				t.Fatal("Revoke released an Escape that was never held")
			}
		},
		"a listener may call the gate": func(r *gateRig) {
			r.g.OnChange(func(old, new State) {
				if new == Granted {
					r.g.Revoke() // as if ESC came at once
				}
			})
			r.g.Request()
			r.g.Decide(true)
			if s := r.g.State(); s != ViewOnly {
				t.Fatalf("state = %v, want view only", s)
			}
			want := []string{"view only→asking", "asking→granted", "granted→view only"}
			if !slices.Equal(r.changes, want) {
				t.Fatalf("changes %q, want %q", r.changes, want)
			}
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) { test(newRig(t, true)) })
	}
}

func TestGateDisabled(t *testing.T) {
	for name, cfg := range map[string]GateConfig{
		"--no-control":   {Enabled: false, Injector: &recorder{}},
		"no injector":    {Enabled: true},
		"the zero value": {},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewGate(cfg)
			changed := false
			g.OnChange(func(State, State) { changed = true })
			if s := g.State(); s != Disabled {
				t.Fatalf("state = %v, want disabled", s)
			}
			if err := g.Request(); !errors.Is(err, ErrDisabled) {
				t.Fatalf("Request = %v, want ErrDisabled", err)
			}
			g.Decide(true)
			if err := g.Inject(move); !errors.Is(err, ErrNotGranted) {
				t.Fatalf("Inject = %v, want ErrNotGranted", err)
			}
			if g.Revoke() || g.Release() {
				t.Fatal("Revoke or Release reported control was granted")
			}
			if s := g.State(); s != Disabled || changed {
				t.Fatalf("state = %v (changed: %v), want disabled and no change", s, changed)
			}
			if rec, ok := cfg.Injector.(*recorder); ok && len(rec.take()) > 0 {
				t.Fatal("a disabled gate injected something")
			}
		})
	}
}

// TestGateRevokeStopsText: a long text stops when the novice takes control
// back, instead of ESC waiting for all of it.
func TestGateRevokeStopsText(t *testing.T) {
	started := make(chan struct{})
	slow := &slowText{started: started}
	g := NewGate(GateConfig{Enabled: true, Injector: slow})
	g.Request()
	g.Decide(true)
	done := make(chan error)
	go func() { done <- g.Inject(desktop.Event{Kind: desktop.Text, Text: "0123456789abcdefghij"}) }()
	<-started
	g.Revoke()
	if err := <-done; !errors.Is(err, ErrNotGranted) {
		t.Fatalf("Inject of a long text during Revoke = %v, want ErrNotGranted", err)
	}
	if n := slow.count(); n >= 20 {
		t.Fatalf("all %d characters were typed although control was taken back", n)
	}
}

type slowText struct {
	recorder
	started chan struct{}
	once    sync.Once
	n       int
}

func (s *slowText) Text(string) error {
	s.once.Do(func() { close(s.started) })
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	time.Sleep(10 * time.Millisecond)
	return nil
}

func (s *slowText) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Disabled: "disabled", ViewOnly: "view only", Asking: "asking", Granted: "granted", 9: "state 9"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}
