package render

import (
	"github.com/ebitenui/ebitenui"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
)

// NoviceConfig describes the novice's window.
type NoviceConfig struct {
	Config
	// StopControl takes control back (the Stop Control button).
	StopControl func()
}

// NoviceWindow is the novice's window: status, chat and the novice's own
// buttons. Create with NewNovice, run with Run on the main goroutine; the
// other exported methods are safe from any goroutine.
type NoviceWindow struct {
	*panel

	stopBtn *widget.Button // Stop Control, enabled while the helper has control
}

// NewNovice builds the novice's window; nothing is shown until Run.
func NewNovice(cfg NoviceConfig) (*NoviceWindow, error) {
	p, err := newPanel(&cfg.Config, noviceHelp)
	if err != nil {
		return nil, err
	}
	w := &NoviceWindow{panel: p}
	p.controlChanged = w.applyControl
	st := p.style
	w.stopBtn = st.newButton("Stop Control", func() {
		if cfg.StopControl != nil {
			cfg.StopControl()
		}
	}, "")
	w.stopBtn.GetWidget().Disabled = true
	talk := p.newVoiceControls()
	p.buildPanel(
		w.stopBtn,
		p.newSendFileButton(),
		talk,
	)
	root := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Stretch([]bool{true}, []bool{true}))))
	root.AddChild(p.left)
	p.ui = &ebitenui.UI{Container: root}
	return w, nil
}

// noviceHelp is the novice's help page.
const noviceHelp = "How Remote Assistance works\n\n" +
	"• Your helper sees your screen while you are connected. They can use your mouse and keyboard only if you allow it when asked.\n" +
	"• While your helper has control, press ESC (or Stop Control) to take it back at once.\n" +
	"• Chat: type in the box at the bottom and press ENTER or Send. Ctrl+V pastes into the box. Click a message in the history to select it (Shift+click selects several) and press Ctrl+C to copy it (a command to paste elsewhere, say); Ctrl+C in the box copies your helper's last message.\n" +
	"• Disconnect (or closing this window) ends the session at once.\n" +
	"• Send a File sends files or folders to your helper (or drop them onto this window). When your helper sends you files, you are asked first; the history says where they were saved (Open the folder).\n" +
	"• Start Talking asks your helper to talk with you through the microphones and speakers of both computers (your helper may ask you the same). Mute silences your microphone; Stop Talking ends the call, and either of you can stop at any time."

// Run opens the window and runs until the user closes it (ErrClosed) or
// Close is called (nil). It must be called on the main goroutine.
func (w *NoviceWindow) Run() error { return w.run(w) }

// applyControl enables Stop Control while the helper has control (game
// goroutine).
func (w *NoviceWindow) applyControl() {
	w.stopBtn.GetWidget().Disabled = w.control != ControlOn
}

// Update implements ebiten.Game.
func (w *NoviceWindow) Update() error {
	if err := w.updatePanel(); err != nil {
		return err
	}
	keys, fromX := w.takeKeys()
	w.updateWidgets(keys, fromX)
	return nil
}

// Draw implements ebiten.Game. The panel is the whole window: it is drawn
// on every frame.
func (w *NoviceWindow) Draw(screen *ebiten.Image) { w.drawPanel(screen, screen) }
