package xkeys

import (
	"errors"
	"fmt"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/ra-p2p/ra-p2p/render/xwin"
)

// Key is one key press or release in the window, as the helper typed it.
type Key struct {
	Code     byte   // the X keycode: the physical key, which pairs a release with its press
	Down     bool   // pressed (true) or released
	Sym      uint32 // the keysym the key gives with the modifiers held
	Base     uint32 // the key's keysym without Shift, AltGr or another group: what a shortcut names
	Text     rune   // the character a press types; 0 for none, or when Ctrl, Alt or Super is held (a shortcut)
	Shift    bool   // Shift is held
	Modifier bool   // a modifier or lock key (Shift, Ctrl, Alt, Super, AltGr, Caps Lock, Num Lock)
}

// Reader receives the key events of one top-level window of this process
// on a connection of its own. Create with Open, then Run; Close ends it.
type Reader struct {
	conn *xgb.Conn
	win  xproto.Window

	closeOnce sync.Once
}

// Open connects to display ("" means $DISPLAY), finds this process's
// top-level window titled title (xwin.Find) and asks the server for its
// key presses and releases. Event masks are per client: the window's own
// toolkit keeps receiving them as before.
func Open(display, title string) (*Reader, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connecting to the X display: %w", err)
	}
	win, err := xwin.Find(conn, title)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := xproto.ChangeWindowAttributesChecked(conn, win, xproto.CwEventMask,
		[]uint32{xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease}).Check(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("selecting the window's key events: %w", err)
	}
	return &Reader{conn: conn, win: win}, nil
}

// Run hands every key event of the window to deliver, in the order the
// server reports them (the order they were typed), until stop is closed or
// the connection breaks. Each press and release is looked up in the
// keyboard map when it is read; a change of the map (MappingNotify) is
// read again before the events after it.
func (r *Reader) Run(stop <-chan struct{}, deliver func(Key)) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-stop:
			r.Close() // ends WaitForEvent below
		case <-done:
		}
	})
	defer func() { close(done); wg.Wait() }()
	km, err := LoadKeymap(r.conn)
	if err != nil {
		return err
	}
	for {
		ev, xerr := r.conn.WaitForEvent()
		switch e := ev.(type) {
		case nil:
			if xerr == nil {
				return nil // closed
			}
		case xproto.KeyPressEvent:
			deliver(km.Lookup(byte(e.Detail), e.State, true))
		case xproto.KeyReleaseEvent:
			deliver(km.Lookup(byte(e.Detail), e.State, false))
		case xproto.MappingNotifyEvent:
			// A tool that types a character the map lacks (xdotool)
			// puts it on a spare key for one press and takes it off
			// right after: the changed keys are read at once, in one
			// small request, so the press that follows finds them.
			if e.Request == xproto.MappingKeyboard && refreshKeys(r.conn, km, byte(e.FirstKeycode), e.Count) {
				continue
			}
			if e.Request == xproto.MappingKeyboard || e.Request == xproto.MappingModifier {
				if km, err = LoadKeymap(r.conn); err != nil {
					return err
				}
			}
		}
	}
}

// Close ends Run and closes the connection; it may be called more than once.
func (r *Reader) Close() { r.closeOnce.Do(r.conn.Close) }

// refreshKeys reads count keycodes from first into km again; false when
// that failed or the map's shape changed (then read the whole map).
func refreshKeys(conn *xgb.Conn, km *Keymap, first, count byte) bool {
	rep, err := xproto.GetKeyboardMapping(conn, xproto.Keycode(first), count).Reply()
	if err != nil {
		return false
	}
	syms := make([]uint32, len(rep.Keysyms))
	for i, s := range rep.Keysyms {
		syms[i] = uint32(s)
	}
	return km.Replace(first, int(rep.KeysymsPerKeycode), syms)
}

// LoadKeymap reads the server's keyboard and modifier maps.
func LoadKeymap(conn *xgb.Conn) (*Keymap, error) {
	setup := xproto.Setup(conn)
	km, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, byte(int(setup.MaxKeycode)-int(setup.MinKeycode)+1)).Reply()
	if err != nil {
		return nil, fmt.Errorf("reading the keyboard map: %w", err)
	}
	mm, err := xproto.GetModifierMapping(conn).Reply()
	if err != nil {
		return nil, fmt.Errorf("reading the modifier map: %w", err)
	}
	if km.KeysymsPerKeycode == 0 {
		return nil, errors.New("the keyboard map is empty")
	}
	syms := make([]uint32, len(km.Keysyms))
	for i, s := range km.Keysyms {
		syms[i] = uint32(s)
	}
	codes := make([]byte, len(mm.Keycodes))
	for i, c := range mm.Keycodes {
		codes[i] = byte(c)
	}
	return NewKeymap(byte(setup.MinKeycode), int(km.KeysymsPerKeycode), syms, int(mm.KeycodesPerModifier), codes), nil
}
