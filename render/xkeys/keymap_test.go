package xkeys

import "testing"

// A small keyboard like the server's "us" map with a second group and AltGr
// levels on a few keys (8 keysyms per keycode, as XKB publishes them).
const per = 8

var testKeys = map[byte][]uint32{
	26:  {'e', 'E', 0x6c5, 0x6e5, 0x20ac, 0xa2}, // e E, Cyrillic_ie Cyrillic_IE, EuroSign cent
	38:  {'a', 'A'},
	54:  {'c', 'C'},
	48:  {'\'', '"'},
	36:  {0xff0d},                   // Return
	23:  {0xff09, 0xfe20},           // Tab ISO_Left_Tab
	50:  {0xffe1},                   // Shift_L
	66:  {0xffe5},                   // Caps_Lock
	37:  {0xffe3},                   // Control_L
	64:  {0xffe9, 0xffe7},           // Alt_L Meta_L
	133: {0xffeb},                   // Super_L
	92:  {0xfe03},                   // ISO_Level3_Shift
	203: {0xff7e},                   // Mode_switch
	77:  {0xff7f},                   // Num_Lock
	90:  {0xff9e, 0xffb0},           // KP_Insert KP_0
	47:  {0x1000000 + 0x65e5},       // 日, one keysym for both levels
	49:  {0xe9},                     // eacute alone: É with Shift
	65:  {' '},                      // space
	200: {0x1000000 + 0x1f600},      // 😀
	201: {0xfe51},                   // dead_acute
	202: {0x08a2},                   // topleftradical: a legacy keysym with an approximate character
	204: {0x01000000 + 0x3b1},       // α (Unicode keysym) for case changes
	205: {0x6c1, 0x6e1},             // Cyrillic_a Cyrillic_A
	206: {0xffbd},                   // KP_Equal
	207: {0xffc8},                   // F11
	208: {0xff1b},                   // Escape
	209: {0x1008ff13},               // XF86AudioRaiseVolume
	210: {0x0020 + 0x01000000},      // a Unicode keysym for a Latin-1 character
	211: {0x100 + 0x01000000},       // Ā
	212: {0xff8d},                   // KP_Enter
	213: {0xffe2},                   // Shift_R
	214: {0xfe11},                   // ISO_Level5_Shift
	215: {0xffe4},                   // Control_R
	216: {0xff67},                   // Menu
	217: {0xff61},                   // Print
	218: {0xff63},                   // Insert
	219: {0xff50},                   // Home
	220: {0xff55},                   // Prior (Page_Up)
	221: {0x2d, 0x5f},               // minus underscore
	222: {0x30, 0x29},               // 0 parenright
	223: {0xe4, 0xc4},               // adiaeresis Adiaeresis
	224: {0xdf, 0x1e9e + 0x1000000}, // ssharp, capital sharp s
}

// Modifier map: Shift (50, 213), Lock (66), Control (37, 215), Mod1 (Alt 64),
// Mod2 (Num_Lock 77), Mod3 (Mode_switch 203), Mod4 (Super 133), Mod5 (AltGr 92).
var testMods = [8][]byte{{50, 213}, {66}, {37, 215}, {64}, {77}, {203}, {133}, {92}}

func testKeymap() *Keymap {
	min, max := byte(8), byte(255)
	syms := make([]uint32, int(max-min+1)*per)
	for kc, row := range testKeys {
		copy(syms[int(kc-min)*per:], row)
	}
	const kpm = 2
	codes := make([]byte, 8*kpm)
	for i, m := range testMods {
		copy(codes[i*kpm:], m)
	}
	return NewKeymap(min, per, syms, kpm, codes)
}

const (
	shift = shiftMask
	caps  = lockMask
	ctrl  = controlMask
	mod1  = 1 << 3
	mod2  = 1 << 4
	mod3  = 1 << 5
	mod4  = 1 << 6
	mod5  = 1 << 7
)

func TestLookup(t *testing.T) {
	km := testKeymap()
	cases := map[string]struct {
		code  byte
		state uint16
		sym   uint32
		base  uint32
		text  rune
		name  string // Name(base)
	}{
		"a letter":                               {38, 0, 'a', 'a', 'a', "a"},
		"a letter with Shift":                    {38, shift, 'A', 'a', 'A', "a"},
		"a letter with Caps Lock":                {38, caps, 'A', 'a', 'A', "a"},
		"a letter with Caps Lock and Shift":      {38, caps | shift, 'A', 'a', 'A', "a"},
		"the quote key with Shift":               {48, shift, '"', '\'', '"', "apostrophe"},
		"the quote key with Caps Lock":           {48, caps, '\'', '\'', '\'', "apostrophe"},
		"Return":                                 {36, 0, 0xff0d, 0xff0d, 0, "Return"},
		"Tab with Shift: ISO_Left_Tab, base Tab": {23, shift, 0xfe20, 0xff09, 0, "Tab"},
		"Ctrl+c is a shortcut, no text":          {54, ctrl, 'c', 'c', 0, "c"},
		"Alt+e is a shortcut":                    {26, mod1, 'e', 'e', 0, "e"},
		"Super+a is a shortcut":                  {38, mod4, 'a', 'a', 0, "a"},
		"Num Lock alone types nothing special":   {38, mod2, 'a', 'a', 'a', "a"},
		"keypad 0 with Num Lock":                 {90, mod2, 0xffb0, 0xff9e, '0', "KP_Insert"},
		"keypad 0 without Num Lock":              {90, 0, 0xff9e, 0xff9e, 0, "KP_Insert"},
		"keypad 0 with Num Lock and Shift":       {90, mod2 | shift, 0xff9e, 0xff9e, 0, "KP_Insert"},
		"AltGr+e: the third level":               {26, mod5, 0x20ac, 'e', '€', "e"},
		"AltGr+Shift+e: the fourth level":        {26, mod5 | shift, 0xa2, 'e', '¢', "e"},
		"Mode_switch+e: the second group":        {26, mod3, 0x6c5, 'e', '\u0435', "e"},
		"Mode_switch+Shift+e":                    {26, mod3 | shift, 0x6e5, 'e', '\u0415', "e"},
		"a one-keysym CJK key":                   {47, 0, 0x1000000 + 0x65e5, 0x1000000 + 0x65e5, '日', ""},
		"a one-keysym CJK key with Shift":        {47, shift, 0x1000000 + 0x65e5, 0x1000000 + 0x65e5, '日', ""},
		"eacute alone, Shift makes it upper":     {49, shift, 0xc9, 0xe9, 'É', "eacute"},
		"space":                                  {65, 0, ' ', ' ', ' ', "space"},
		"an emoji":                               {200, 0, 0x1000000 + 0x1f600, 0x1000000 + 0x1f600, '😀', ""},
		"a dead key is a key":                    {201, 0, 0xfe51, 0xfe51, 0, "dead_acute"},
		"a legacy keysym":                        {202, 0, 0x08a2, 0x08a2, '┌', "topleftradical"},
		"a Unicode keysym, Shift uppercases":     {204, shift, 0x1000000 + 0x391, 0x1000000 + 0x3b1, '\u0391', ""},
		"Cyrillic, shifted":                      {205, shift, 0x6e1, 0x6c1, '\u0410', "Cyrillic_a"},
		"Cyrillic with Caps Lock":                {205, caps, 0x6e1, 0x6c1, '\u0410', "Cyrillic_a"},
		"KP_Equal":                               {206, 0, 0xffbd, 0xffbd, '=', "KP_Equal"},
		"F11":                                    {207, 0, 0xffc8, 0xffc8, 0, "F11"},
		"Escape":                                 {208, 0, 0xff1b, 0xff1b, 0, "Escape"},
		"Shift_L is a modifier":                  {50, 0, 0xffe1, 0xffe1, 0, "Shift_L"},
		"Control_L is a modifier":                {37, ctrl, 0xffe3, 0xffe3, 0, "Control_L"},
		"Prior is the first name of Page_Up":     {220, 0, 0xff55, 0xff55, 0, "Prior"},
		"minus":                                  {221, 0, '-', '-', '-', "minus"},
		"Shift+0":                                {222, shift, ')', '0', ')', "0"},
		"ä with Caps Lock":                       {223, caps, 0xc4, 0xe4, 'Ä', "adiaeresis"},
		"ß":                                      {224, 0, 0xdf, 0xdf, 'ß', "ssharp"},
		"Ctrl+Shift+a: a shortcut with Shift":    {38, ctrl | shift, 'A', 'a', 0, "a"},
		"an unknown keycode":                     {9, 0, 0, 0, 0, ""},
	}
	for name, c := range cases {
		k := km.Lookup(c.code, c.state, true)
		if k.Sym != c.sym || k.Base != c.base || k.Text != c.text || Name(k.Base) != c.name {
			t.Errorf("%s: Sym %#x Base %#x Text %q Name %q, want %#x %#x %q %q",
				name, k.Sym, k.Base, k.Text, Name(k.Base), c.sym, c.base, c.text, c.name)
		}
		if k.Code != c.code || !k.Down || k.Shift != (c.state&shift != 0) {
			t.Errorf("%s: %+v", name, k)
		}
	}
}

func TestModifiers(t *testing.T) {
	km := testKeymap()
	for _, code := range []byte{50, 213, 66, 37, 215, 64, 133, 92, 203, 77, 214} {
		if k := km.Lookup(code, 0, true); !k.Modifier || k.Text != 0 {
			t.Errorf("keycode %d (%s): Modifier %v Text %q, want a modifier without text", code, Name(k.Base), k.Modifier, k.Text)
		}
	}
	for _, code := range []byte{38, 36, 23, 90, 207, 208, 216, 217, 218, 219} {
		if k := km.Lookup(code, 0, true); k.Modifier {
			t.Errorf("keycode %d (%s) taken for a modifier", code, Name(k.Base))
		}
	}
}

func TestRune(t *testing.T) {
	cases := map[uint32]rune{
		'a': 'a', 0xe9: 'é', 0xdf: 'ß', 0x1000000 + 0x65e5: '日', 0x6c1: '\u0430', 0x7e1: '\u03b1', 0xff0d: 0, 0xff1b: 0,
		0xffb5: '5', 0xffaa: '*', 0xff80: ' ', 0x1000000 + 0x7f: 0, 0x1000000 + 0x9b: 0, 0x7f: 0, 0xfe51: 0,
		0x20ac: '€', 0xa0: '\u00a0',
	}
	for ks, want := range cases {
		if got := Rune(ks); got != want {
			t.Errorf("Rune(%#x) = %q, want %q", ks, got, want)
		}
	}
}
