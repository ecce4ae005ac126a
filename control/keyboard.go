//go:build !windows

package control

import (
	"errors"
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// remapSettle is the least time between typing a character on a scratch
// keycode and giving that keycode to another character. A client reads the
// keyboard map lazily, when it handles the MappingNotify that came before
// the key event; remapping at once can make it look the key up in the map
// after the change (the character is lost or wrong). xdotool waits too.
const remapSettle = 50 * time.Millisecond

// maxScratch bounds how many spare keycodes the keyboard borrows.
const maxScratch = 16

// keyboard presses keys through XTEST on one xgb connection. It finds the
// keycode that carries a keysym in the server's keyboard map, and for a
// keysym the map does not have it borrows a spare keycode (one with no
// keysym at all), maps the keysym onto it, and gives it back on close: the
// way xdotool types. Not safe for concurrent use (x11Injector serializes).
type keyboard struct {
	conn     *xgb.Conn
	root     xproto.Window
	min, max xproto.Keycode

	per  int             // keysyms per keycode in syms
	syms []xproto.Keysym // the server's map from min to max; nil = stale, fetch again

	scratch []*scratchKey             // borrowed spare keycodes
	own     map[xproto.Keycode]int    // MappingNotify events still to come for our own changes
	pressed map[uint32]xproto.Keycode // keysyms pressed by key and not released, and where
	shift   xproto.Keycode            // a keycode with Shift_L, 0 = none
}

type scratchKey struct {
	code xproto.Keycode
	sym  uint32    // keysym mapped on it by us; 0 = none
	used time.Time // when it was last pressed
	down bool      // pressed by key and not released
}

func newKeyboard(conn *xgb.Conn, root xproto.Window) (*keyboard, error) {
	setup := xproto.Setup(conn)
	k := &keyboard{conn: conn, root: root, min: setup.MinKeycode, max: setup.MaxKeycode,
		own: make(map[xproto.Keycode]int), pressed: make(map[uint32]xproto.Keycode)}
	if err := k.refresh(); err != nil {
		return nil, err
	}
	// Spare keycodes from the top down: the low ones are the real keys.
	for kc := int(k.max); kc >= int(k.min) && len(k.scratch) < maxScratch; kc-- {
		if k.empty(xproto.Keycode(kc)) {
			k.scratch = append(k.scratch, &scratchKey{code: xproto.Keycode(kc)})
		}
	}
	k.shift, _ = k.find(xkShiftL, false)
	return k, nil
}

// refresh reads the server's keyboard map if it changed.
func (k *keyboard) refresh() error {
	k.drain()
	if k.syms != nil {
		return nil
	}
	r, err := xproto.GetKeyboardMapping(k.conn, k.min, byte(int(k.max)-int(k.min)+1)).Reply()
	if err != nil {
		return fmt.Errorf("reading the keyboard map: %w", err)
	}
	k.per, k.syms = int(r.KeysymsPerKeycode), r.Keysyms
	return nil
}

// drain reads the events of the connection: a keyboard MappingNotify that
// we did not cause makes the map stale. Unread, events would fill xgb's
// queue and stall the connection.
func (k *keyboard) drain() error {
	var firstErr error
	for {
		ev, xerr := k.conn.PollForEvent()
		if ev == nil && xerr == nil {
			return firstErr
		}
		if xerr != nil {
			if firstErr == nil {
				firstErr = xerr
			}
			continue
		}
		m, ok := ev.(xproto.MappingNotifyEvent)
		if !ok || m.Request != xproto.MappingKeyboard {
			continue
		}
		if m.Count == 1 && k.own[m.FirstKeycode] > 0 {
			k.own[m.FirstKeycode]--
			continue
		}
		k.syms = nil
	}
}

func (k *keyboard) column(kc xproto.Keycode, col int) uint32 {
	if k.syms == nil || col >= k.per || kc < k.min || kc > k.max {
		return noSymbol
	}
	return uint32(k.syms[int(kc-k.min)*k.per+col])
}

func (k *keyboard) empty(kc xproto.Keycode) bool {
	for col := 0; col < k.per; col++ {
		if k.column(kc, col) != noSymbol {
			return false
		}
	}
	return true
}

// find returns a keycode whose first column is ks, or, with shifted, one
// whose second column is ks (true: it is typed with Shift).
func (k *keyboard) find(ks uint32, shifted bool) (kc xproto.Keycode, shift bool) {
	for c := int(k.min); c <= int(k.max); c++ {
		if k.column(xproto.Keycode(c), 0) == ks {
			return xproto.Keycode(c), false
		}
	}
	if shifted {
		for c := int(k.min); c <= int(k.max); c++ {
			if k.column(xproto.Keycode(c), 1) == ks && k.column(xproto.Keycode(c), 0) != ks {
				return xproto.Keycode(c), true
			}
		}
	}
	return 0, false
}

// borrow maps ks onto a scratch keycode and returns it: the one already
// carrying ks, else a free one, else the least recently used one not held
// down (after remapSettle has passed since it was used).
func (k *keyboard) borrow(ks uint32) (xproto.Keycode, error) {
	var pick *scratchKey
	for _, s := range k.scratch {
		if s.sym == ks && k.column(s.code, 0) == ks {
			return s.code, nil
		}
	}
	for _, s := range k.scratch {
		if s.down {
			continue
		}
		if s.sym != noSymbol && !k.mine(s) {
			continue // somebody else has mapped it since
		}
		if s.sym == noSymbol && !k.empty(s.code) {
			continue
		}
		if pick == nil || pick.sym != noSymbol && (s.sym == noSymbol || s.used.Before(pick.used)) {
			pick = s
		}
	}
	if pick == nil {
		return 0, errors.New("no spare keycode to type this character on")
	}
	if wait := remapSettle - time.Since(pick.used); pick.sym != noSymbol && wait > 0 {
		time.Sleep(wait)
	}
	if err := k.setMapping(pick.code, ks); err != nil {
		return 0, err
	}
	pick.sym = ks
	return pick.code, nil
}

// mine reports whether s still carries what we put on it.
func (k *keyboard) mine(s *scratchKey) bool {
	if k.column(s.code, 0) != s.sym {
		return false
	}
	for col := 1; col < k.per; col++ {
		if v := k.column(s.code, col); v != noSymbol && v != s.sym {
			return false
		}
	}
	return true
}

// setMapping puts ks in both columns of kc (so Shift and Caps Lock change
// nothing), or clears kc when ks is noSymbol, and updates our copy of the map.
func (k *keyboard) setMapping(kc xproto.Keycode, ks uint32) error {
	syms := []xproto.Keysym{xproto.Keysym(ks), xproto.Keysym(ks)}
	if err := xproto.ChangeKeyboardMappingChecked(k.conn, 1, kc, 2, syms).Check(); err != nil {
		return fmt.Errorf("mapping keysym %#x on keycode %d: %w", ks, kc, err)
	}
	k.own[kc]++
	if k.syms != nil {
		row := k.syms[int(kc-k.min)*k.per : int(kc-k.min+1)*k.per]
		for col := range row {
			row[col] = 0
			if col < 2 {
				row[col] = xproto.Keysym(ks)
			}
		}
	}
	return nil
}

// fake sends one XTEST key event; sync waits for the server to have done
// the events sent and reports an error any of them caused.
func (k *keyboard) fake(kc xproto.Keycode, down bool) {
	t := byte(xproto.KeyRelease)
	if down {
		t = xproto.KeyPress
	}
	xtest.FakeInput(k.conn, t, byte(kc), 0, k.root, 0, 0, 0)
}

func (k *keyboard) sync() error {
	if _, err := xproto.GetInputFocus(k.conn).Reply(); err != nil {
		return fmt.Errorf("waiting for the X server: %w", err)
	}
	return k.drain()
}

// key presses or releases the key that carries ks.
func (k *keyboard) key(ks uint32, down bool) error {
	if err := k.refresh(); err != nil {
		return err
	}
	if !down {
		kc, ok := k.pressed[ks]
		if !ok {
			// Not pressed through this keyboard: release where it would be.
			if kc, _ = k.find(ks, false); kc == 0 {
				return nil
			}
		}
		delete(k.pressed, ks)
		k.setDown(kc, false)
		k.fake(kc, false)
		return k.sync()
	}
	kc, ok := k.pressed[ks]
	if !ok {
		kc, _ = k.find(ks, false)
	}
	if kc == 0 {
		var err error
		if kc, err = k.borrow(ks); err != nil {
			return fmt.Errorf("pressing keysym %#x: %w", ks, err)
		}
	}
	k.pressed[ks] = kc
	k.setDown(kc, true)
	k.fake(kc, true)
	return k.sync()
}

// setDown marks a scratch keycode as held (never lent to another keysym)
// or released, and as just used.
func (k *keyboard) setDown(kc xproto.Keycode, down bool) {
	for _, s := range k.scratch {
		if s.code == kc {
			s.down, s.used = down, time.Now()
		}
	}
}

// text types s character by character: a character on the keyboard map
// with its key (and Shift for a second-column one), any other on a scratch
// keycode.
func (k *keyboard) text(s string) error {
	for _, r := range s {
		if err := k.refresh(); err != nil {
			return err
		}
		ks := keysymForRune(r)
		kc, shift := k.find(ks, true)
		if shift && k.shift == 0 {
			kc = 0
		}
		if kc == 0 {
			var err error
			if kc, err = k.borrow(ks); err != nil {
				return fmt.Errorf("typing %U: %w", r, err)
			}
			shift = false
		}
		if shift {
			k.fake(k.shift, true)
		}
		k.fake(kc, true)
		k.fake(kc, false)
		if shift {
			k.fake(k.shift, false)
		}
		k.setDown(kc, false)
		if err := k.sync(); err != nil {
			return fmt.Errorf("typing %U: %w", r, err)
		}
	}
	return nil
}

// close releases keys still held and gives the scratch keycodes back,
// after remapSettle so that clients have read what was typed last.
func (k *keyboard) close() error {
	for ks, kc := range k.pressed {
		k.fake(kc, false)
		delete(k.pressed, ks)
	}
	var last time.Time
	for _, s := range k.scratch {
		if s.sym != noSymbol && s.used.After(last) {
			last = s.used
		}
	}
	if wait := remapSettle - time.Since(last); !last.IsZero() && wait > 0 {
		time.Sleep(wait)
	}
	k.refresh()
	var firstErr error
	for _, s := range k.scratch {
		if s.sym == noSymbol || !k.mine(s) {
			continue
		}
		if err := k.setMapping(s.code, noSymbol); err != nil && firstErr == nil {
			firstErr = err
		}
		s.sym = noSymbol
	}
	if err := k.sync(); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}
