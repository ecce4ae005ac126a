package control

import (
	"errors"
	"fmt"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// Keysym values this package needs by name.
const (
	xkEscape  = 0xff1b
	xkReturn  = 0xff0d
	xkTab     = 0xff09
	xkShiftL  = 0xffe1
	noSymbol  = 0
	maxKeysym = 0x1fffffff // the protocol keeps the top three bits zero
)

// deniedKeysyms are keysyms that act on the X server, the input system, the
// session or the machine rather than on a program. A helper in control
// never needs them, and some would take the novice's own control away
// (break their grabs, switch them to another virtual terminal, kill their
// X server, turn on mouse keys) or end the session for both. The lookup is
// by value, so no alias or numeric spelling gets around it.
var deniedKeysyms = []struct {
	lo, hi uint32
	why    string
}{
	{0x00, 0x1f, "a control character"},
	{0x7f, 0x9f, "a control character"},
	{0x01000000, 0x0100009f, "a control character"},
	{0xfe70, 0xfe7f, "an accessibility or overlay switch of the X server (AccessX_Enable, MouseKeys_Enable…)"},
	{0xfed0, 0xfed5, "an X server action (Terminate_Server, virtual screens)"},
	{0xfee0, 0xfeff, "a mouse-keys action (Pointer_Button1, Pointer_EnableKeys…)"},
	{0x1008fe00, 0x1008feff, "an X server action (XF86Switch_VT_n, XF86Ungrab, XF86ClearGrab…)"},
	{0x1008ff10, 0x1008ff10, "a power key (XF86Standby)"},
	{0x1008ff21, 0x1008ff21, "a power key (XF86PowerDown)"},
	{0x1008ff2a, 0x1008ff2a, "a power key (XF86PowerOff)"},
	{0x1008ff2f, 0x1008ff2f, "a power key (XF86Sleep)"},
	{0x1008ff61, 0x1008ff61, "a session key (XF86LogOff)"},
	{0x1008ffa7, 0x1008ffa8, "a power key (XF86Suspend, XF86Hibernate)"},
}

// errUnknownKey is wrapped for a keysym name this system does not know.
var errUnknownKey = errors.New("keysym name unknown")

// checkKeysymName checks a keysym name's form: 1..desktop.MaxKeyName bytes
// of [A-Za-z0-9_], and not a numeric "0x…" spelling.
func checkKeysymName(name string) error {
	if len(name) == 0 || len(name) > desktop.MaxKeyName {
		return fmt.Errorf("keysym name of %d bytes (want 1..%d)", len(name), desktop.MaxKeyName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return fmt.Errorf("keysym name %q has a character other than A-Z, a-z, 0-9 and _", name)
		}
	}
	if len(name) > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X') {
		return fmt.Errorf("keysym %q: numeric keysyms are not accepted, only names", name)
	}
	return nil
}

// checkDenied refuses the keysyms in deniedKeysyms.
func checkDenied(name string, ks uint32) error {
	for _, d := range deniedKeysyms {
		if d.lo <= ks && ks <= d.hi {
			return fmt.Errorf("keysym %q (%#x) is %s and is never injected", name, ks, d.why)
		}
	}
	return nil
}

// keysymForRune is the keysym that types r: Return for \n, Tab for \t, the
// Latin-1 keysym (equal to the code point) for printable Latin-1, else the
// Unicode keysym 0x01000000+r that X defines for every other character.
func keysymForRune(r rune) uint32 {
	switch {
	case r == '\n':
		return xkReturn
	case r == '\t':
		return xkTab
	case 0x20 <= r && r <= 0x7e, 0xa0 <= r && r <= 0xff:
		return uint32(r)
	}
	return 0x01000000 | uint32(r)
}
