package render

import "github.com/hajimehoshi/ebiten/v2"

// keysym names the X keysym for an Ebiten key, and whether the key types a
// character (those travel as text, so any keyboard layout and "é", "日本"
// arrive as typed; with Ctrl or Alt held they travel as keys, for shortcuts).
func keysym(k ebiten.Key) (sym string, printable, ok bool) {
	switch {
	case k >= ebiten.KeyA && k <= ebiten.KeyZ:
		return string(rune('a' + (k - ebiten.KeyA))), true, true
	case k >= ebiten.KeyDigit0 && k <= ebiten.KeyDigit9:
		return string(rune('0' + (k - ebiten.KeyDigit0))), true, true
	case k >= ebiten.KeyF1 && k <= ebiten.KeyF12:
		return "F" + itoa(int(k-ebiten.KeyF1)+1), false, true
	}
	if s, ok := printableKeys[k]; ok {
		return s, true, true
	}
	s, ok := specialKeys[k]
	return s, false, ok
}

var printableKeys = map[ebiten.Key]string{
	ebiten.KeySpace: "space", ebiten.KeyMinus: "minus", ebiten.KeyEqual: "equal",
	ebiten.KeyBracketLeft: "bracketleft", ebiten.KeyBracketRight: "bracketright", ebiten.KeyBackslash: "backslash",
	ebiten.KeySemicolon: "semicolon", ebiten.KeyQuote: "apostrophe", ebiten.KeyBackquote: "grave",
	ebiten.KeyComma: "comma", ebiten.KeyPeriod: "period", ebiten.KeySlash: "slash",
	ebiten.KeyNumpad0: "KP_0", ebiten.KeyNumpad1: "KP_1", ebiten.KeyNumpad2: "KP_2", ebiten.KeyNumpad3: "KP_3",
	ebiten.KeyNumpad4: "KP_4", ebiten.KeyNumpad5: "KP_5", ebiten.KeyNumpad6: "KP_6", ebiten.KeyNumpad7: "KP_7",
	ebiten.KeyNumpad8: "KP_8", ebiten.KeyNumpad9: "KP_9", ebiten.KeyNumpadDecimal: "KP_Decimal",
	ebiten.KeyNumpadAdd: "KP_Add", ebiten.KeyNumpadSubtract: "KP_Subtract", ebiten.KeyNumpadMultiply: "KP_Multiply",
	ebiten.KeyNumpadDivide: "KP_Divide",
}

var specialKeys = map[ebiten.Key]string{
	ebiten.KeyEnter: "Return", ebiten.KeyNumpadEnter: "KP_Enter", ebiten.KeyBackspace: "BackSpace", ebiten.KeyTab: "Tab",
	ebiten.KeyEscape: "Escape", ebiten.KeyDelete: "Delete", ebiten.KeyInsert: "Insert",
	ebiten.KeyHome: "Home", ebiten.KeyEnd: "End", ebiten.KeyPageUp: "Prior", ebiten.KeyPageDown: "Next",
	ebiten.KeyArrowLeft: "Left", ebiten.KeyArrowRight: "Right", ebiten.KeyArrowUp: "Up", ebiten.KeyArrowDown: "Down",
	ebiten.KeyControlLeft: "Control_L", ebiten.KeyControlRight: "Control_R",
	ebiten.KeyAltLeft: "Alt_L", ebiten.KeyAltRight: "Alt_R", ebiten.KeyMetaLeft: "Super_L", ebiten.KeyMetaRight: "Super_R",
	ebiten.KeyCapsLock: "Caps_Lock", ebiten.KeyPrintScreen: "Print", ebiten.KeyPause: "Pause",
	ebiten.KeyContextMenu: "Menu", ebiten.KeyScrollLock: "Scroll_Lock", ebiten.KeyNumLock: "Num_Lock",
}

func itoa(n int) string {
	if n >= 10 {
		return string(rune('0'+n/10)) + string(rune('0'+n%10))
	}
	return string(rune('0' + n))
}

func isShift(k ebiten.Key) bool {
	return k == ebiten.KeyShiftLeft || k == ebiten.KeyShiftRight || k == ebiten.KeyShift
}
