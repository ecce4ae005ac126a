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
	text     string
	yes, no  string // button labels; no == "" for a single OK button
	password bool   // ask for a hidden line
	answers  chan string
	// onAnswer runs on the game goroutine after the answer (may be nil).
	onAnswer func(yes bool)
}

// Ask shows a modal question with a yes button and a no button (no == "":
// a single button) and blocks until it is answered, ctx ends or the window
// is gone (then the error says which). Call it from any goroutine but the
// game's.
func (p *panel) Ask(ctx context.Context, question, yes, no string) (bool, error) {
	d := &dialog{text: question, yes: yes, no: no, answers: make(chan string, 1)}
	a, err := p.await(ctx, d)
	return a == "yes", err
}

// AskPassword shows a modal password prompt and blocks as Ask does; ok is
// false when the user cancelled.
func (p *panel) AskPassword(ctx context.Context, prompt string) (password string, ok bool, err error) {
	d := &dialog{text: prompt, yes: "OK", no: "Cancel", password: true, answers: make(chan string, 1)}
	a, err := p.await(ctx, d)
	if err != nil || a == "" || a == "\x00no" {
		return "", false, err
	}
	return a[1:], true, nil
}

// await shows d and waits for its answer.
func (p *panel) await(ctx context.Context, d *dialog) (string, error) {
	p.queueDialog(d)
	select {
	case a := <-d.answers:
		return a, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-p.stopped:
		return "", ErrClosed
	}
}

func (p *panel) queueDialog(d *dialog) { p.update(func() { p.dialogs = append(p.dialogs, d) }) }

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
	pw      *widget.TextInput // the password box, or nil
	buttons []*widget.Button
	answer  func(yes bool)
	size    image.Point // the window size it was fitted to
}

// showDialog opens d as a modal ebitenui window (game goroutine).
func (p *panel) showDialog(d *dialog) {
	st := p.style
	od := &openDialog{d: d}
	od.content = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.dialog),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, dialogSpacing),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(dialogPad)),
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{true, false, false}))),
	)
	answered := false
	answer := func(yes bool) {
		if answered {
			return
		}
		answered = true
		p.forgetDialog(od)
		od.win.Close()
		switch {
		case d.password && yes:
			d.answers <- "\x01" + od.pw.GetText()
		case d.password:
			d.answers <- "\x00no"
		case yes:
			d.answers <- "yes"
		default:
			d.answers <- "no"
		}
		if d.onAnswer != nil {
			d.onAnswer(yes)
		}
	}
	if d.password {
		od.pw = widget.NewTextInput(
			widget.TextInputOpts.Image(st.input), widget.TextInputOpts.Face(&st.face),
			widget.TextInputOpts.Color(st.inputColor), widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
			widget.TextInputOpts.Secure(true),
			widget.TextInputOpts.SubmitHandler(func(*widget.TextInputChangedEventArgs) { answer(true) }),
		)
	}
	od.buttons = append(od.buttons, st.newButton(d.yes, func() { answer(true) }, ""))
	if d.no != "" {
		od.buttons = append(od.buttons, st.newButton(d.no, func() { answer(false) }, ""))
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
	for _, label := range []string{od.d.yes, od.d.no} {
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
	msg := st.newLabel(wrap(od.d.text, st.face, float64(inner-2)), st.face, st.text)
	msg.MaxWidth = float64(inner)
	var body widget.PreferredSizeLocateableWidget = msg
	place := func() int {
		od.content.RemoveChildren()
		od.content.AddChild(body)
		if od.pw != nil {
			od.content.AddChild(od.pw)
		}
		od.content.AddChild(row)
		_, h := od.content.PreferredSize()
		return h
	}
	h := place()
	if limit := view.DialogMaxHeight(win.Y); h > limit {
		// The text's row is the grid's stretched one: it gets the height
		// the buttons leave, and scrolls.
		body = st.newTextArea(st.face, inner, 2*dialogSpacing,
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
		if od.size != win {
			p.fitDialog(od, win)
		}
	}
}

// dialogKeys lets ENTER answer the open dialog with its first button and ESC
// with its second, as in any desktop dialog (game goroutine).
func (p *panel) dialogKeys() bool {
	if len(p.open) == 0 {
		return false
	}
	top := p.open[len(p.open)-1]
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadEnter):
		top.answer(true)
		return true
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		top.answer(false)
		return true
	}
	return false
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
