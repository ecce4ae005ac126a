package render

import (
	"github.com/ebitenui/ebitenui"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
)

// HomeConfig describes the home window: what opens when ra-p2p starts
// without a command, with the two things a person comes for.
type HomeConfig struct {
	// Invite and Help are the two big buttons; they run on the game
	// goroutine and must hand their work to another goroutine.
	Invite, Help func()
}

// HomeWindow is the home window: a heading, two big choices (ask for help,
// give help) and the dialogs of the steps after them. Create with NewHome,
// run with Run on the main goroutine; the dialog methods (Ask, Choose,
// AskLine, AskPassword) are safe from any other goroutine.
type HomeWindow struct {
	*panel

	choices    []*widget.Button
	choicesOff bool // guarded by panel.mu
}

// homeWidth and homeHeight are the home window's size at start: room for
// the two choices and a dialog of the steps after them.
const homeWidth, homeHeight = 640, 480

// NewHome builds the home window; nothing is shown until Run.
func NewHome(cfg HomeConfig) (*HomeWindow, error) {
	pc := Config{Title: "Remote Assistance", Width: homeWidth, Height: homeHeight}
	p, err := newPanel(&pc, homeHelp)
	if err != nil {
		return nil, err
	}
	// The panel's chat parts exist (the game loop shared with the session
	// windows looks at them) but are never shown here.
	p.buildPanel(p.newSendFileButton())
	p.controlChanged = func() {}
	w := &HomeWindow{panel: p}
	st := p.style
	choice := func(label, caption string, onClick func()) *widget.Container {
		b := st.newBigButton(label, func() {
			if onClick != nil {
				onClick()
			}
		})
		w.choices = append(w.choices, b)
		c := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, 4),
			widget.GridLayoutOpts.Stretch([]bool{true}, nil))))
		c.AddChild(b, st.newLabel(wrap(caption, st.small, homeWidth-80), &st.small, st.dim))
		return c
	}
	heading := st.newLabel("Remote Assistance", &st.title, st.text)
	intro := st.newLabel(wrap("Two computers connect directly, with no account and no server in between, so that one "+
		"person can help the other. What would you like to do?", st.face, homeWidth-80), &st.face, st.text)
	body := widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.panel),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, 18),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(28)),
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{false, false, false, false, true}))),
	)
	body.AddChild(heading, intro,
		choice("Invite someone to help you",
			"Make an invitation and send it to someone you trust. They will see your screen, and may use your mouse and keyboard only when you allow it.",
			cfg.Invite),
		choice("Help someone who invited you",
			"Open the invitation file they sent you, or paste the one-line invitation from a chat.",
			cfg.Help),
		widget.NewContainer(widget.ContainerOpts.Layout(widget.NewAnchorLayout())),
	)
	p.ui = &ebitenui.UI{Container: body}
	return w, nil
}

// homeHelp is the help page behind the home window (not shown as a
// button: the captions say it; kept for the shared panel).
const homeHelp = "Remote Assistance"

// SetChoicesEnabled enables or disables the two big buttons (off while the
// steps after one of them run), from any goroutine.
func (w *HomeWindow) SetChoicesEnabled(on bool) {
	w.update(func() { w.choicesOff = !on })
}

// Run opens the window and runs until the user closes it (ErrClosed) or
// Close is called (nil). It must be called on the main goroutine.
func (w *HomeWindow) Run() error { return w.run(w) }

// Update implements ebiten.Game.
func (w *HomeWindow) Update() error {
	if err := w.updatePanel(); err != nil {
		return err
	}
	w.mu.Lock()
	off := w.choicesOff
	w.mu.Unlock()
	for _, b := range w.choices {
		b.GetWidget().Disabled = off
	}
	keys, fromX := w.takeKeys()
	w.updateWidgets(keys, fromX)
	return nil
}

// Draw implements ebiten.Game.
func (w *HomeWindow) Draw(screen *ebiten.Image) { w.drawPanel(screen, screen) }
