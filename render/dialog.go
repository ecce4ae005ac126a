package render

import (
	"context"
	"image"

	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
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

// showDialog opens d as a modal ebitenui window (game goroutine).
func (p *panel) showDialog(d *dialog) {
	st := p.style
	content := widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.dialog),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, 14),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(18)),
			widget.GridLayoutOpts.Stretch([]bool{true}, nil))),
	)
	msg := st.newLabel(d.text, st.face, st.text)
	msg.MaxWidth = 440
	content.AddChild(msg)
	var pw *widget.TextInput
	var win *widget.Window
	od := &openDialog{}
	answered := false
	answer := func(yes bool) {
		if answered {
			return
		}
		answered = true
		p.forgetDialog(od)
		win.Close()
		switch {
		case d.password && yes:
			d.answers <- "\x01" + pw.GetText()
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
		pw = widget.NewTextInput(
			widget.TextInputOpts.Image(st.input), widget.TextInputOpts.Face(&st.face),
			widget.TextInputOpts.Color(st.inputColor), widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
			widget.TextInputOpts.Secure(true),
			widget.TextInputOpts.SubmitHandler(func(*widget.TextInputChangedEventArgs) { answer(true) }),
		)
		content.AddChild(pw)
	}
	row := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(10, 0),
		widget.GridLayoutOpts.Stretch([]bool{true, true}, nil))))
	row.AddChild(st.newButton(d.yes, func() { answer(true) }, ""))
	if d.no != "" {
		row.AddChild(st.newButton(d.no, func() { answer(false) }, ""))
	}
	content.AddChild(row)
	win = widget.NewWindow(widget.WindowOpts.Contents(content), widget.WindowOpts.Modal())
	ww, wh := ebiten.WindowSize()
	pw0, ph0 := content.PreferredSize()
	pw0 = max(pw0, 420)
	x, y := (ww-pw0)/2, (wh-ph0)/3
	win.SetLocation(image.Rect(x, y, x+pw0, y+ph0))
	p.ui.AddWindow(win)
	if pw != nil {
		pw.Focus(true)
	}
	od.answer = answer
	p.open = append(p.open, od)
}

// openDialog is a dialog on screen, answerable from the keyboard.
type openDialog struct{ answer func(yes bool) }

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
