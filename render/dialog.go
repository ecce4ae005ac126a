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
func (w *Window) Ask(ctx context.Context, question, yes, no string) (bool, error) {
	d := &dialog{text: question, yes: yes, no: no, answers: make(chan string, 1)}
	a, err := w.await(ctx, d)
	return a == "yes", err
}

// AskPassword shows a modal password prompt and blocks as Ask does; ok is
// false when the user cancelled.
func (w *Window) AskPassword(ctx context.Context, prompt string) (password string, ok bool, err error) {
	d := &dialog{text: prompt, yes: "OK", no: "Cancel", password: true, answers: make(chan string, 1)}
	a, err := w.await(ctx, d)
	if err != nil || a == "" || a == "\x00no" {
		return "", false, err
	}
	return a[1:], true, nil
}

// await shows d and waits for its answer.
func (w *Window) await(ctx context.Context, d *dialog) (string, error) {
	w.queueDialog(d)
	select {
	case a := <-d.answers:
		return a, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-w.stopped:
		return "", ErrClosed
	}
}

func (w *Window) queueDialog(d *dialog) { w.update(func() { w.dialogs = append(w.dialogs, d) }) }

// showDialog opens d as a modal ebitenui window (game goroutine).
func (w *Window) showDialog(d *dialog) {
	st := w.style
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
		w.forgetDialog(od)
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
	w.ui.AddWindow(win)
	if pw != nil {
		pw.Focus(true)
	}
	od.answer = answer
	w.open = append(w.open, od)
}

// openDialog is a dialog on screen, answerable from the keyboard.
type openDialog struct{ answer func(yes bool) }

// dialogKeys lets ENTER answer the open dialog with its first button and ESC
// with its second, as in any desktop dialog (game goroutine).
func (w *Window) dialogKeys() bool {
	if len(w.open) == 0 {
		return false
	}
	top := w.open[len(w.open)-1]
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
func (w *Window) forgetDialog(od *openDialog) {
	for i, o := range w.open {
		if o == od {
			w.open = append(w.open[:i], w.open[i+1:]...)
			return
		}
	}
}
