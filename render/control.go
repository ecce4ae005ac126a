package render

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// ControlState is where remote control stands, as the window shows it.
type ControlState int

const (
	ControlOff    ControlState = iota // screen view only
	ControlAsking                     // the helper asked; the novice is deciding
	ControlOn                         // the helper has control
)

// SetControl changes the control state shown (Take Control / Release
// Control on the helper's side, Stop Control on the novice's).
func (p *panel) SetControl(c ControlState) { p.update(func() { p.controlSet = c }) }

// onControlButton is the helper's Take Control / Release Control button.
func (w *HelperWindow) onControlButton() {
	switch w.control {
	case ControlOff:
		if w.cfg.RequestControl != nil {
			w.control = ControlAsking
			w.applyControl()
			w.cfg.RequestControl()
		}
	case ControlOn:
		w.releaseInput()
		if w.cfg.ReleaseControl != nil {
			w.cfg.ReleaseControl()
		}
	}
}

// applyControl updates the control button for w.control and the
// connection (Take Control, Actual size and Settings only work on a live
// session: before it starts, after a decline and after a disconnect they
// are disabled) and lets go of the remote keys and buttons out of control
// (game goroutine).
func (w *HelperWindow) applyControl() {
	label := "Take Control"
	if w.control == ControlOn {
		label = "Release Control"
	}
	w.controlBtn.SetText(label)
	w.controlBtn.GetWidget().Disabled = w.cfg.RequestControl == nil || !w.connectedNow || w.control == ControlAsking
	w.actualBtn.GetWidget().Disabled = !w.connectedNow
	w.settingsBtn.GetWidget().Disabled = w.cfg.ApplySettings == nil || !w.connectedNow
	if !w.connectedNow && w.view.Mode == view.Actual {
		w.view.Mode = view.Fit
	}
	if w.control != ControlOn {
		w.releaseInput()
	}
}

// captureInput sends the helper's mouse and keyboard in the remote pane
// while in control (game goroutine). The keyboard goes to the remote screen
// after a click in the pane, and back to the chat after a click elsewhere:
// keys, the key events read from X in this frame (fromXServer), or else
// Ebiten's keyboard. A frame's mouse comes before its keys.
func (w *HelperWindow) captureInput(keys []typed, fromXServer bool) {
	if w.control != ControlOn || w.cfg.Input == nil || w.view.Image.X <= 0 {
		return
	}
	mx, my := ebiten.CursorPosition()
	rp, inside := w.view.ToRemote(image.Pt(mx, my))
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) ||
		inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonRight) ||
		inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonMiddle) {
		w.remoteFocus = inside
		if inside {
			w.input.Focus(false)
		}
	}
	if inside && rp != w.lastRemote {
		w.lastRemote = rp
		w.sendInput(desktop.Event{Kind: desktop.MouseMove, X: rp.X, Y: rp.Y})
	}
	for b, eb := range map[int]ebiten.MouseButton{1: ebiten.MouseButtonLeft, 2: ebiten.MouseButtonMiddle, 3: ebiten.MouseButtonRight} {
		if inside && inpututil.IsMouseButtonJustPressed(eb) {
			w.heldButtons[b] = true
			w.sendInput(desktop.Event{Kind: desktop.MouseButton, Button: b, Down: true, X: rp.X, Y: rp.Y})
		}
		if w.heldButtons[b] && inpututil.IsMouseButtonJustReleased(eb) {
			delete(w.heldButtons, b)
			w.sendInput(desktop.Event{Kind: desktop.MouseButton, Button: b, Down: false, X: w.lastRemote.X, Y: w.lastRemote.Y})
		}
	}
	if dx, dy := ebiten.Wheel(); inside && (dx != 0 || dy != 0) {
		// Ebiten: positive dy scrolls up; on the wire positive DY scrolls down.
		w.sendInput(desktop.Event{Kind: desktop.Wheel, DX: clicks(dx), DY: -clicks(dy), X: rp.X, Y: rp.Y})
	}
	if !w.remoteFocus {
		return
	}
	if !fromXServer {
		keys = ebitenKeys()
	}
	w.sendKeys(keys)
}

// releaseInput lets go of every key and button still held on the remote
// side (the novice's gate releases them too; this is the polite half).
func (w *HelperWindow) releaseInput() {
	for k, held := range w.heldKeys {
		delete(w.heldKeys, k)
		w.releaseKey(held)
	}
	for b := range w.heldButtons {
		delete(w.heldButtons, b)
		w.sendInput(desktop.Event{Kind: desktop.MouseButton, Button: b, Down: false, X: w.lastRemote.X, Y: w.lastRemote.Y})
	}
	w.remoteFocus = false
}

func (w *HelperWindow) sendInput(e desktop.Event) {
	if w.cfg.Input != nil {
		w.cfg.Input(e)
	}
}

func clicks(v float64) int {
	switch {
	case v > 0 && v < 1:
		return 1
	case v < 0 && v > -1:
		return -1
	}
	return int(v)
}
