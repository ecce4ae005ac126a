package render

import (
	"context"
	"image"
	"slices"

	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// dialog is a modal question in the window.
type dialog struct {
	text string
	// buttons are the labels, at least one: ENTER answers with the first,
	// ESC with the second (dismissed, where there is only one), or with
	// the last when escLast is set.
	buttons []string
	escLast bool
	line    bool   // ask for a line of text
	secret  bool   // the line is hidden (a password)
	initial string // the line's text at first; the folder listed first (files)
	files   bool   // a file chooser (ChooseFiles, chooser.go)
	// body, when set, makes widgets shown under the text (the Settings
	// dialog's choices) for a dialog inner pixels wide; it is called again
	// whenever the dialog is laid out again, so it keeps its state itself.
	body    func(inner int) widget.PreferredSizeLocateableWidget
	answers chan dialogAnswer
	// onAnswer runs on the game goroutine after the answer (may be nil).
	onAnswer func(button int)
}

// dialogAnswer is the button chosen (its index in dialog.buttons) and the
// line typed, or the paths chosen in a file chooser.
type dialogAnswer struct {
	button int
	line   string
	paths  []string
}

// Ask shows a modal question with a yes button and a no button (no == "":
// a single button) and blocks until it is answered, ctx ends or the window
// is gone (then the error says which). Call it from any goroutine but the
// game's.
func (p *panel) Ask(ctx context.Context, question, yes, no string) (bool, error) {
	buttons := []string{yes}
	if no != "" {
		buttons = append(buttons, no)
	}
	i, err := p.Choose(ctx, question, buttons...)
	return err == nil && i == 0, err
}

// Choose shows a modal question with a button for each label and blocks as
// Ask does; it returns the index of the button chosen (ESC: 1).
func (p *panel) Choose(ctx context.Context, question string, labels ...string) (int, error) {
	a, err := p.await(ctx, &dialog{text: question, buttons: labels})
	return a.button, err
}

// ChooseOrBack is Choose for a menu whose last label goes back (or is
// done): ESC answers with the last button.
func (p *panel) ChooseOrBack(ctx context.Context, question string, labels ...string) (int, error) {
	a, err := p.await(ctx, &dialog{text: question, buttons: labels, escLast: true})
	return a.button, err
}

// AskPassword shows a modal password prompt and blocks as Ask does; ok is
// false when the user cancelled.
func (p *panel) AskPassword(ctx context.Context, prompt string) (password string, ok bool, err error) {
	return p.askLine(ctx, &dialog{text: prompt, buttons: []string{"OK", "Cancel"}, line: true, secret: true})
}

// AskLine shows a modal prompt for a line of text, initial already typed
// in it, and blocks as Ask does; ok is false when the user cancelled.
func (p *panel) AskLine(ctx context.Context, prompt, initial string) (line string, ok bool, err error) {
	return p.askLine(ctx, &dialog{text: prompt, buttons: []string{"OK", "Cancel"}, line: true, initial: initial})
}

func (p *panel) askLine(ctx context.Context, d *dialog) (string, bool, error) {
	a, err := p.await(ctx, d)
	if err != nil || a.button != 0 {
		return "", false, err
	}
	return a.line, true, nil
}

// await shows d and waits for its answer.
func (p *panel) await(ctx context.Context, d *dialog) (dialogAnswer, error) {
	p.queueDialog(d)
	select {
	case a := <-d.answers:
		return a, nil
	case <-ctx.Done():
		return dialogAnswer{button: -1}, ctx.Err()
	case <-p.stopped:
		return dialogAnswer{button: -1}, ErrClosed
	}
}

// queueDialog has d shown by the game goroutine.
func (p *panel) queueDialog(d *dialog) {
	if d.answers == nil {
		d.answers = make(chan dialogAnswer, 1)
	}
	p.update(func() { p.dialogs = append(p.dialogs, d) })
}

// Dialog padding and button spacing, in window pixels.
const (
	dialogPad     = 18
	dialogSpacing = 14
	buttonGap     = 10
)

// openDialog is a dialog on screen, answerable from the keyboard, laid
// out again (fit) when the window's size changes.
type openDialog struct {
	d       *dialog
	win     *widget.Window
	content *widget.Container
	pw      *widget.TextInput // the line's box, or nil
	buttons []*widget.Button
	answer  func(button int)
	size    image.Point // the window size it was fitted to
	// A dialog of its own kind (the file chooser) sets how ENTER answers
	// and how it is laid out; nil: with the first button, fitDialog.
	enter func()
	fit   func(win image.Point)
}

// showDialog opens d as a modal ebitenui window (game goroutine).
func (p *panel) showDialog(d *dialog) {
	st := p.style
	if d.answers == nil {
		d.answers = make(chan dialogAnswer, 1)
	}
	if d.files {
		p.showChooser(d)
		return
	}
	od := &openDialog{d: d}
	od.content = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.dialog),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, dialogSpacing),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(dialogPad)),
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{true, false, false}))),
	)
	answered := false
	answer := func(button int) {
		if answered {
			return
		}
		answered = true
		p.forgetDialog(od)
		od.win.Close()
		a := dialogAnswer{button: button}
		if od.pw != nil && button == 0 {
			a.line = od.pw.GetText()
		}
		d.answers <- a
		if d.onAnswer != nil {
			d.onAnswer(button)
		}
	}
	if d.line {
		od.pw = widget.NewTextInput(
			widget.TextInputOpts.Image(st.input), widget.TextInputOpts.Face(&st.face),
			widget.TextInputOpts.Color(st.inputColor), widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
			widget.TextInputOpts.Secure(d.secret),
			// No SubmitHandler: the box submits while ENTER is held, so the
			// ENTER that answered the dialog before answered this one too
			// (seen: the name question never showed). dialogKeys takes a
			// fresh press.
		)
		od.pw.SetText(d.initial)
	}
	for i, label := range d.buttons {
		od.buttons = append(od.buttons, st.newButton(label, func() { answer(i) }, ""))
	}
	od.win = widget.NewWindow(widget.WindowOpts.Contents(od.content), widget.WindowOpts.Modal())
	p.fitDialog(od, image.Pt(ebiten.WindowSize()))
	p.ui.AddWindow(od.win)
	if od.pw != nil {
		od.pw.Focus(true)
	}
	od.answer = answer
	p.open = append(p.open, od)
}

// fitDialog lays od out for a window of size win (game goroutine): the
// text wraps to the dialog's width (view.DialogWidth), the buttons stand
// side by side when they fit and one under the other when they do not,
// and a text too long for the window's height scrolls, so the dialog and
// its buttons always lie inside the window.
func (p *panel) fitDialog(od *openDialog, win image.Point) {
	st := p.style
	od.size = win
	width := view.DialogWidth(win.X)
	inner := width - 2*dialogPad
	// Side by side, the buttons share the width equally.
	cols, widest := len(od.buttons), 0
	for _, label := range od.d.buttons {
		lw, _ := text.Measure(label, st.plain, 0)
		widest = max(widest, int(lw)+2*buttonPadX+2)
	}
	if cols*widest+(cols-1)*buttonGap > inner {
		cols = 1
	}
	row := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(cols), widget.GridLayoutOpts.Spacing(buttonGap, 6),
		widget.GridLayoutOpts.Stretch(slices.Repeat([]bool{true}, cols), nil))))
	for _, b := range od.buttons {
		row.AddChild(b)
	}
	// ebitenui breaks lines only at spaces: a long word (an address) is
	// broken here, 2 px spare for rounding.
	msg := st.newLabel(wrap(od.d.text, st.face, float64(inner-2)), &st.face, st.text)
	msg.MaxWidth = float64(inner)
	var body widget.PreferredSizeLocateableWidget = msg
	var extra widget.PreferredSizeLocateableWidget
	if od.d.body != nil {
		extra = od.d.body(inner)
	}
	place := func() int {
		od.content.RemoveChildren()
		od.content.AddChild(body)
		if od.pw != nil {
			od.content.AddChild(od.pw)
		}
		if extra != nil {
			od.content.AddChild(extra)
		}
		od.content.AddChild(row)
		_, h := od.content.PreferredSize()
		return h
	}
	h := place()
	if limit := view.DialogMaxHeight(win.Y); h > limit {
		// The text's row is the grid's stretched one: it gets the height
		// the buttons leave, and scrolls.
		body = st.newTextArea(&st.face, inner, 2*dialogSpacing,
			widget.TextAreaOpts.Text(wrap(od.d.text, st.face, float64(inner-historyPadX-2))), widget.TextAreaOpts.VerticalScrollMode(widget.ScrollBeginning))
		place()
		h = limit
	}
	od.win.SetLocation(view.PlaceDialog(win, image.Pt(width, h)))
	od.content.RequestRelayout()
}

// refitDialogs lays the open dialogs out again when the window's size
// changed (game goroutine).
func (p *panel) refitDialogs() {
	win := image.Pt(ebiten.WindowSize())
	for _, od := range p.open {
		switch {
		case od.size == win:
		case od.fit != nil:
			od.fit(win)
		default:
			p.fitDialog(od, win)
		}
	}
}

// dialogKeys lets ENTER answer the open dialog with its first button (a
// file chooser: as its enter says) and ESC with its second, as in any
// desktop dialog (game goroutine).
func (p *panel) dialogKeys(keys []typed, fromX bool) bool {
	if len(p.open) == 0 {
		return false
	}
	top := p.open[len(p.open)-1]
	// A dialog with a text line reads ENTER as Ebiten does, in step with the
	// characters Ebiten gives the line: taken from X, ENTER could come ahead
	// of the last characters of a typed path or password.
	enter, esc := dialogKeyPress(keys, fromX && top.pw == nil)
	switch {
	case enter:
		if top.enter != nil {
			top.enter()
		} else {
			top.answer(0)
		}
		return true
	case esc:
		if top.d.escLast {
			top.answer(len(top.d.buttons) - 1)
		} else {
			top.answer(1)
		}
		return true
	}
	return false
}

// dialogKeyPress says whether this frame brought a press of Enter or of
// Escape (the first of them). From the key events read from X when fromX,
// in order: Ebiten looks at the keyboard once a frame, so a quick tap
// during a slow frame (opening a dialog can take a few hundred
// milliseconds with software OpenGL) was pressed and released before it
// looked, and the dialog never saw it.
func dialogKeyPress(keys []typed, fromX bool) (enter, esc bool) {
	if !fromX {
		return inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadEnter),
			inpututil.IsKeyJustPressed(ebiten.KeyEscape)
	}
	for _, k := range keys {
		if !k.down {
			continue
		}
		switch k.sym {
		case "Return", "KP_Enter":
			return true, false
		case "Escape":
			return false, true
		}
	}
	return false, false
}

// forgetDialog drops an answered dialog from the open list.
func (p *panel) forgetDialog(od *openDialog) {
	for i, o := range p.open {
		if o == od {
			p.open = append(p.open[:i], p.open[i+1:]...)
			return
		}
	}
}
