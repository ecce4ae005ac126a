package render

import (
	"log/slog"
	"unicode/utf8"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render/xkeys"
)

// typed is one of the helper's key events, in the order typed: the press
// or release of a key sent as a key (sym), or the text a press typed.
type typed struct {
	key   int    // the physical key: pairs a release with its press
	down  bool   // pressed or released
	sym   string // the X keysym name sent for a key sent as a key; "" = none
	text  string // what a press typed; "" = none
	shift bool   // Shift is held: it is sent around the key
}

// fromX turns a key event read from X (render/xkeys) into what the remote
// side gets: a press that types a character as text; any other key (Return,
// arrows, F-keys, Ctrl, Alt, Super, and every key while Ctrl, Alt or Super
// is held) as its keysym without Shift or AltGr, with Shift around it when
// held. Shift, AltGr, the group switch and the lock keys are not sent:
// they only choose the text, which arrives as typed.
func fromX(k xkeys.Key) typed {
	t := typed{key: int(k.Code), down: k.Down}
	switch {
	case k.Modifier && !sentModifier(k.Base):
	case k.Text != 0:
		if k.Down {
			t.text = string(k.Text)
		}
	default:
		t.sym = xkeys.Name(k.Base)
		t.shift = k.Shift && !k.Modifier
	}
	return t
}

// sentModifier says whether a modifier key goes to the remote side:
// Control, Alt, Meta, Super and Hyper do (for shortcuts).
func sentModifier(ks uint32) bool {
	return ks >= 0xffe3 && ks <= 0xffee && ks != 0xffe5 && ks != 0xffe6
}

// takeKeys returns the key events read from X since the last call, and
// whether X is where keys come from (game goroutine).
func (p *panel) takeKeys() (keys []typed, fromXServer bool) {
	p.mu.Lock()
	raw := p.keys
	p.keys = nil
	fromXServer = p.keysX
	p.mu.Unlock()
	for _, k := range raw {
		keys = append(keys, fromX(k))
	}
	return keys, fromXServer
}

// ebitenKeys is the keyboard where X cannot be read (no X11 window): this
// frame's key presses and releases, then its text, as Ebiten reports them.
// Ebiten gives the keys and the characters of a frame as two sets with no
// order between them, so fast typing can arrive out of order; with X the
// window reads key events in order instead (keysLoop).
func ebitenKeys() []typed {
	var ts []typed
	shortcut := ebiten.IsKeyPressed(ebiten.KeyControl) || ebiten.IsKeyPressed(ebiten.KeyAlt) || ebiten.IsKeyPressed(ebiten.KeyMeta)
	shift := ebiten.IsKeyPressed(ebiten.KeyShift)
	for _, k := range inpututil.AppendJustPressedKeys(nil) {
		sym, printable, ok := keysym(k)
		if !ok || isShift(k) || (printable && !shortcut) {
			continue // characters come as text below; Shift only as part of a combination
		}
		ts = append(ts, typed{key: int(k), down: true, sym: sym, shift: shift && !printable})
	}
	for _, k := range inpututil.AppendJustReleasedKeys(nil) {
		ts = append(ts, typed{key: int(k)})
	}
	if !shortcut {
		if chars := ebiten.AppendInputChars(nil); len(chars) > 0 {
			ts = append(ts, typed{down: true, text: string(chars)})
		}
	}
	return ts
}

// sendKeys sends ts in order (game goroutine): consecutive text as one
// Text event (split at desktop.MaxText), each key press with Shift around
// it when held, and the release of each key pressed.
func (w *HelperWindow) sendKeys(ts []typed) {
	var text []byte
	flush := func() {
		for len(text) > 0 {
			n := min(len(text), desktop.MaxText)
			for n < len(text) && !utf8.RuneStart(text[n]) {
				n--
			}
			w.sendInput(desktop.Event{Kind: desktop.Text, Text: string(text[:n])})
			text = text[n:]
		}
	}
	for _, t := range ts {
		switch {
		case t.text != "":
			text = append(text, t.text...)
		case t.down && t.sym != "":
			flush()
			held := heldKey{sym: t.sym, shift: t.shift}
			if held.shift {
				w.sendInput(desktop.Event{Kind: desktop.Key, Key: "Shift_L", Down: true})
			}
			w.sendInput(desktop.Event{Kind: desktop.Key, Key: t.sym, Down: true})
			w.heldKeys[t.key] = held
		case !t.down:
			if held, ok := w.heldKeys[t.key]; ok {
				flush()
				delete(w.heldKeys, t.key)
				w.releaseKey(held)
			}
		}
	}
	flush()
}

type heldKey struct {
	sym   string
	shift bool // Shift_L was pressed around it
}

func (w *HelperWindow) releaseKey(held heldKey) {
	w.sendInput(desktop.Event{Kind: desktop.Key, Key: held.sym, Down: false})
	if held.shift {
		w.sendInput(desktop.Event{Kind: desktop.Key, Key: "Shift_L", Down: false})
	}
}

// keysLoop reads the window's key events from X in the order they were
// typed (render/xkeys) and queues them for the game goroutine: the chat box
// takes their text, and the helper's window sends them while in control.
// Without X (another system, or the window not found) the window keeps
// Ebiten's keyboard (ebitenKeys, ebitenui's text box).
func (p *panel) keysLoop(stop <-chan struct{}) {
	r, err := whenShown(stop, func() (*xkeys.Reader, error) { return xkeys.Open("", p.cfg.Title) }, nil)
	if err != nil {
		if err != errStopped {
			slog.Info("the keys are read through Ebiten", "why", err)
		}
		return
	}
	defer r.Close()
	p.mu.Lock()
	p.keysX = true
	p.mu.Unlock()
	err = r.Run(stop, func(k xkeys.Key) { p.update(func() { p.keys = append(p.keys, k) }) })
	p.mu.Lock()
	p.keysX = false
	p.mu.Unlock()
	if err != nil {
		slog.Info("the keys are read through Ebiten from now on", "why", err)
	}
}
