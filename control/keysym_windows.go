package control

import (
	"fmt"
	"strconv"
	"strings"
)

// winKey is how a keysym is pressed on Windows: its virtual-key code and
// whether it is an extended key (KEYEVENTF_EXTENDEDKEY: the arrows and the
// editing block beside the letters, the right-hand Ctrl and Alt, the
// Windows keys). vk 0 is a character, whose key depends on the keyboard
// layout: it is looked up (VkKeyScanW) when pressed.
type winKey struct {
	sym uint32
	vk  uint16
	ext bool
}

// winKeys are the keysym names Windows can press: the keys a helper's
// window sends as keys (render/keysym.go, render/xkeys: editing and
// function keys, modifiers, the keypad) and every character of ASCII and
// Latin-1 by its keysymdef.h name, for shortcuts. Without Xlib there is no
// XStringToKeysym: a name outside this table, or U+hex, is unknown here.
var winKeys = func() map[string]winKey {
	m := map[string]winKey{
		"BackSpace": {0xff08, 0x08, false}, "Tab": {0xff09, 0x09, false}, "Return": {0xff0d, 0x0d, false},
		"Escape": {0xff1b, 0x1b, false}, "Delete": {0xffff, 0x2e, true}, "Insert": {0xff63, 0x2d, true},
		"Home": {0xff50, 0x24, true}, "End": {0xff57, 0x23, true},
		"Prior": {0xff55, 0x21, true}, "Page_Up": {0xff55, 0x21, true},
		"Next": {0xff56, 0x22, true}, "Page_Down": {0xff56, 0x22, true},
		"Left": {0xff51, 0x25, true}, "Up": {0xff52, 0x26, true}, "Right": {0xff53, 0x27, true}, "Down": {0xff54, 0x28, true},
		"Shift_L": {0xffe1, 0xa0, false}, "Shift_R": {0xffe2, 0xa1, false},
		"Control_L": {0xffe3, 0xa2, false}, "Control_R": {0xffe4, 0xa3, true},
		"Alt_L": {0xffe9, 0xa4, false}, "Alt_R": {0xffea, 0xa5, true},
		"Super_L": {0xffeb, 0x5b, true}, "Super_R": {0xffec, 0x5c, true},
		"Caps_Lock": {0xffe5, 0x14, false}, "Num_Lock": {0xff7f, 0x90, true}, "Scroll_Lock": {0xff14, 0x91, false},
		"Print": {0xff61, 0x2c, true}, "Pause": {0xff13, 0x13, false}, "Menu": {0xff67, 0x5d, true},
		"KP_Enter": {0xff8d, 0x0d, true}, "KP_Decimal": {0xffae, 0x6e, false}, "KP_Add": {0xffab, 0x6b, false},
		"KP_Subtract": {0xffad, 0x6d, false}, "KP_Multiply": {0xffaa, 0x6a, false}, "KP_Divide": {0xffaf, 0x6f, true},
	}
	for n := range 10 {
		m["KP_"+strconv.Itoa(n)] = winKey{0xffb0 + uint32(n), 0x60 + uint16(n), false}
	}
	for n := 1; n <= 24; n++ {
		m["F"+strconv.Itoa(n)] = winKey{0xffbe + uint32(n-1), 0x70 + uint16(n-1), false}
	}
	for i, name := range strings.Fields(asciiKeysyms) {
		m[name] = winKey{sym: 0x20 + uint32(i)}
	}
	for i, name := range strings.Fields(latin1Keysyms) {
		m[name] = winKey{sym: 0xa0 + uint32(i)}
	}
	return m
}()

// The names of keysyms 0x20–0x7e and 0xa0–0xff, in order (keysymdef.h's
// first names, as render/xkeys' table has them).
const (
	asciiKeysyms = `space exclam quotedbl numbersign dollar percent ampersand apostrophe parenleft parenright
		asterisk plus comma minus period slash 0 1 2 3 4 5 6 7 8 9 colon semicolon less equal greater question at
		A B C D E F G H I J K L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum
		underscore grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright asciitilde`
	latin1Keysyms = `nobreakspace exclamdown cent sterling currency yen brokenbar section diaeresis copyright
		ordfeminine guillemotleft notsign hyphen registered macron degree plusminus twosuperior threesuperior acute
		mu paragraph periodcentered cedilla onesuperior masculine guillemotright onequarter onehalf threequarters
		questiondown Agrave Aacute Acircumflex Atilde Adiaeresis Aring AE Ccedilla Egrave Eacute Ecircumflex
		Ediaeresis Igrave Iacute Icircumflex Idiaeresis ETH Ntilde Ograve Oacute Ocircumflex Otilde Odiaeresis
		multiply Oslash Ugrave Uacute Ucircumflex Udiaeresis Yacute THORN ssharp agrave aacute acircumflex atilde
		adiaeresis aring ae ccedilla egrave eacute ecircumflex ediaeresis igrave iacute icircumflex idiaeresis eth
		ntilde ograve oacute ocircumflex otilde odiaeresis division oslash ugrave uacute ucircumflex udiaeresis
		yacute thorn ydiaeresis`
)

// lookupKeysym returns the keysym named name after checking it as the X11
// lookup does: the name's form, known (winKeys, or U+hex as Xlib spells
// Unicode keysyms: "U65E5"), and not denied.
func lookupKeysym(name string) (uint32, error) {
	if err := checkKeysymName(name); err != nil {
		return 0, err
	}
	k, ok := winKeys[name]
	ks := k.sym
	if !ok && len(name) >= 5 && len(name) <= 7 && name[0] == 'U' {
		// Xlib's rule: U+0020–U+007E and U+00A0–U+00FF are their Latin-1
		// keysyms, others 0x01000000+code point; C0 and C1 are none.
		if cp, err := strconv.ParseUint(name[1:], 16, 32); err == nil && cp <= 0x10ffff && cp >= 0x20 && (cp < 0x7f || cp >= 0xa0) {
			ks, ok = uint32(cp), true
			if cp >= 0x100 {
				ks |= 0x01000000
			}
		}
	}
	if !ok {
		return 0, fmt.Errorf("keysym %q: %w", name, errUnknownKey)
	}
	if err := checkDenied(name, ks); err != nil {
		return 0, err
	}
	return ks, nil
}

// keyOf is how keysym ks (from lookupKeysym) is pressed: a virtual key, or
// for a character (vk 0) the character.
func keyOf(name string, ks uint32) (k winKey, r rune) {
	if k, ok := winKeys[name]; ok && k.vk != 0 {
		return k, 0
	}
	if ks >= 0x01000000 {
		return winKey{sym: ks}, rune(ks & 0xffffff)
	}
	return winKey{sym: ks}, rune(ks)
}
