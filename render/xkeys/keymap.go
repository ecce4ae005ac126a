package xkeys

import (
	"sort"
	"unicode"
)

//go:generate go run gen_keysyms.go

// keysymInfo is one keysym of keysymdef.h.
type keysymInfo struct {
	sym  uint32
	name string
	r    rune
}

// The core protocol's modifier bits of a key event's state.
const (
	shiftMask   = 1 << 0
	lockMask    = 1 << 1
	controlMask = 1 << 2
)

// Keysyms this package treats by value.
const (
	noSymbol        = 0
	xkNumLock       = 0xff7f
	xkModeSwitch    = 0xff7e
	xkISOLevel3     = 0xfe03
	xkAltL, xkAltR  = 0xffe9, 0xffea
	xkMetaL, xkMeta = 0xffe7, 0xffe8
	xkSuperL        = 0xffeb
	xkSuperR        = 0xffec
	xkHyperL        = 0xffed
	xkHyperR        = 0xffee
	unicodeBase     = 0x01000000 // keysym of U+0100 and above: 0x01000000 + code point
)

// Keymap is the server's keyboard map (GetKeyboardMapping) with the
// modifier bits its modifier map gives Num_Lock, Mode_switch, AltGr, Alt
// and Super. Lookup applies the core protocol's rules (X11 protocol,
// section 5, "Keyboards"), which is what the server's keyboard extension
// publishes for clients that do not speak it, plus the convention that the
// fifth and sixth keysyms of a key are its AltGr levels.
type Keymap struct {
	min  byte
	per  int
	syms []uint32
	kpm  int    // keycodes per modifier in mods
	mods []byte // the modifier map's keycodes, Shift's first

	numLock, modeSwitch, level3, alt, super uint16
}

// NewKeymap makes a Keymap from GetKeyboardMapping's keysyms (per for each
// keycode from min) and GetModifierMapping's keycodes (kpm for each of the
// eight modifiers, Shift first).
func NewKeymap(min byte, per int, syms []uint32, kpm int, modKeycodes []byte) *Keymap {
	m := &Keymap{min: min, per: per, syms: syms, kpm: kpm, mods: modKeycodes}
	m.modifierBits()
	return m
}

// Replace puts syms (per keysyms for each keycode from first, as
// GetKeyboardMapping answers for part of the map) in the map; it reports
// false, changing nothing, when they do not fit its shape (then read the
// whole map again).
func (m *Keymap) Replace(first byte, per int, syms []uint32) bool {
	if per != m.per || first < m.min {
		return false
	}
	i := int(first-m.min) * m.per
	if i+len(syms) > len(m.syms) {
		return false
	}
	copy(m.syms[i:], syms)
	m.modifierBits()
	return true
}

// modifierBits finds the modifier bits of Num_Lock, Mode_switch, AltGr,
// Alt and Super.
func (m *Keymap) modifierBits() {
	m.numLock, m.modeSwitch, m.level3, m.alt, m.super = 0, 0, 0, 0, 0
	kpm, modKeycodes := m.kpm, m.mods
	for mod := 3; mod < 8 && (mod+1)*kpm <= len(modKeycodes); mod++ { // Mod1..Mod5
		bit := uint16(1) << mod
		for _, kc := range modKeycodes[mod*kpm : (mod+1)*kpm] {
			for _, ks := range m.row(kc) {
				switch ks {
				case xkNumLock:
					m.numLock |= bit
				case xkModeSwitch:
					m.modeSwitch |= bit
				case xkISOLevel3:
					m.level3 |= bit
				case xkAltL, xkAltR, xkMetaL, xkMeta:
					m.alt |= bit
				case xkSuperL, xkSuperR, xkHyperL, xkHyperR:
					m.super |= bit
				}
			}
		}
	}
}

func (m *Keymap) row(kc byte) []uint32 {
	if m == nil || kc < m.min || m.per <= 0 {
		return nil
	}
	i := int(kc-m.min) * m.per
	if i+m.per > len(m.syms) {
		return nil
	}
	return m.syms[i : i+m.per]
}

// pair is the two keysyms of a group starting at column i; a lone keysym
// stands for both, lower and upper case when it is a letter.
func pair(row []uint32, i int) (lo, hi uint32) {
	if i < len(row) {
		lo = row[i]
	}
	if i+1 < len(row) {
		hi = row[i+1]
	}
	if hi == noSymbol {
		return lower(lo), upper(lo)
	}
	return lo, hi
}

// Lookup says what the key with keycode code does with the modifiers of
// state held (a KeyPress or KeyRelease event's fields).
func (m *Keymap) Lookup(code byte, state uint16, down bool) Key {
	k := Key{Code: code, Down: down, Shift: state&shiftMask != 0}
	row := m.row(code)
	if row == nil {
		return k
	}
	lo, hi := pair(row, 0)
	k.Base = lo
	if state&m.modeSwitch != 0 {
		if l, h := pair(row, 2); l != noSymbol || h != noSymbol {
			lo, hi = l, h
		}
	}
	if state&m.level3 != 0 {
		if l, h := pair(row, 4); l != noSymbol {
			lo, hi = l, h
		}
	}
	shift, caps := state&shiftMask != 0, state&lockMask != 0
	switch {
	case state&m.numLock != 0 && keypad(hi):
		k.Sym = hi
		if shift {
			k.Sym = lo
		}
	case !shift && !caps:
		k.Sym = lo
	case !shift:
		k.Sym = upper(lo)
	case caps:
		k.Sym = upper(hi)
	default:
		k.Sym = hi
	}
	k.Modifier = modifier(k.Base)
	if state&(controlMask|m.alt|m.super) == 0 && !k.Modifier {
		k.Text = Rune(k.Sym)
	}
	return k
}

func keypad(ks uint32) bool { return ks >= 0xff80 && ks <= 0xffbd }

// modifier says whether ks is a modifier or lock key (IsModifierKey).
func modifier(ks uint32) bool {
	return ks >= 0xffe1 && ks <= 0xffee || ks >= 0xfe01 && ks <= 0xfe13 || ks == xkModeSwitch || ks == xkNumLock
}

// Rune is the printable character keysym ks types, or 0: Latin-1 and
// Unicode keysyms are their code point, the legacy ones (Cyrillic, Greek,
// Hebrew…) the character keysymdef.h gives, and the keypad's the digit or
// sign on it.
func Rune(ks uint32) rune {
	var r rune
	switch {
	case ks >= 0x20 && ks <= 0x7e || ks >= 0xa0 && ks <= 0xff:
		r = rune(ks)
	case ks > unicodeBase && ks <= unicodeBase+unicode.MaxRune:
		r = rune(ks - unicodeBase)
	case ks == 0xff80: // KP_Space
		r = ' '
	case ks == 0xffbd: // KP_Equal
		r = '='
	case ks >= 0xffaa && ks <= 0xffb9: // KP_Multiply … KP_9
		r = rune("*+,-./0123456789"[ks-0xffaa])
	default:
		if e := find(ks); e != nil {
			r = e.r
		}
	}
	if r == 0 || !unicode.IsPrint(r) && r != '\u00a0' {
		return 0
	}
	return r
}

// Name is the keysym's X name ("Return", "a", "eacute", "Cyrillic_es"), or
// "" for a keysym that has only a numeric spelling.
func Name(ks uint32) string {
	if e := find(ks); e != nil {
		return e.name
	}
	return ""
}

func find(ks uint32) *keysymInfo {
	i := sort.Search(len(keysyms), func(i int) bool { return keysyms[i].sym >= ks })
	if i < len(keysyms) && keysyms[i].sym == ks {
		return &keysyms[i]
	}
	return nil
}

// lower and upper change a letter keysym's case (others stay as they are).
func lower(ks uint32) uint32 { return withCase(ks, unicode.ToLower) }
func upper(ks uint32) uint32 { return withCase(ks, unicode.ToUpper) }

func withCase(ks uint32, to func(rune) rune) uint32 {
	r := Rune(ks)
	if r == 0 {
		return ks
	}
	c := to(r)
	switch {
	case c == r:
		return ks
	case c < 0x100 && ks < 0x100:
		return uint32(c)
	case ks < 0x100 || ks > unicodeBase:
		return unicodeBase + uint32(c)
	}
	// A legacy keysym (Cyrillic, Greek…): the other case's legacy keysym.
	for _, e := range keysyms {
		if e.r == c && e.sym < 0x2000 {
			return e.sym
		}
	}
	return unicodeBase + uint32(c)
}
