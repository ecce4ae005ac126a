// Package xkeys reads the key presses and releases of the helper's window
// from the X server, in the order they were typed, with the character each
// press types: what the helper sends to the novice's computer while in
// control.
//
// Why not Ebiten's keyboard: each frame Ebiten gives the keys pressed and
// released since the last frame as a set, and the characters typed as a
// separate list, with no order between the two. Typing `echo fast4` and
// ENTER quickly put ENTER and some characters in one frame, and the window
// sent the keys first: the novice's shell ran `echo fast` and the 4 came
// after; a key pressed and released within one frame was not seen at all.
// X reports every key event in order on each connection that asked for
// them, and event masks are per client, so this package selects KeyPress
// and KeyRelease on the game window on a connection of its own (github.com/
// jezek/xgb, as render/xpane) and Ebiten receives them as before.
//
// The text of a press comes from the server's keyboard map (Keymap.Lookup):
// the core protocol's rules for Shift, Caps Lock, Num Lock and the second
// group (Mode_switch), plus the fifth and sixth keysyms for AltGr (how
// XKB publishes level 3 to core clients), and each keysym's character as
// keysymdef.h gives it (keysyms_table.go, generated: Latin-1, Unicode
// keysyms, the legacy Cyrillic, Greek, Hebrew, Thai… ranges, the keypad).
// Any layout the server has (setxkbmap) and characters put on spare
// keycodes ("é ß 日本", as xdotool and input tools do) come out as typed. A
// key pressed with Ctrl, Alt or Super held types no text: it is a shortcut,
// named by its keysym without Shift (Base).
//
// Limits: an input method (XIM, IBus) that composes text from several
// keys is not seen (its result reaches the window only), and dead keys are
// sent as keys (dead_acute, then the letter), which the novice's own input
// method composes. The map is read again when it changes (MappingNotify),
// before the key events after the change.
//
// It must never draw or send anything: it reads key events and the maps.
package xkeys
