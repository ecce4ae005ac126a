package render

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	euiimage "github.com/ebitenui/ebitenui/image"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/internal/humansize"
	"github.com/ra-p2p/ra-p2p/render/folder"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// The file chooser's geometry, in window pixels, and its limits.
const (
	// chooserRowHeight is the height of a row of the list; the end-to-end
	// test (test/files_window_test.go) clicks rows by it, and knows the
	// colour of a selected row (rowSelected).
	chooserRowHeight = 28
	chooserRows      = 12   // rows shown where the window is tall enough
	chooserSpacing   = 10   // between the chooser's parts
	chooserMarkWidth = 18   // the check mark's column
	chooserMaxListed = 2000 // entries listed at most: the others are typed
	doubleClick      = 500 * time.Millisecond
)

// ChooseFiles shows a file chooser in the window, titled title, listing
// folder dir (the home folder when ""), and blocks as Ask does until the
// user sends what is selected (the paths, ok) or cancels (ok false). It
// lists folders first, then files with their size, hidden ones left out;
// a click selects or deselects an entry, a double-click opens a folder
// (Up goes back); the path line at the top takes a folder or a file
// typed, ENTER going there or sending it.
func (p *panel) ChooseFiles(ctx context.Context, title, dir string) (paths []string, ok bool, err error) {
	a, err := p.await(ctx, &dialog{text: title, files: true, initial: dir, buttons: []string{"Send", "Cancel"}})
	if err != nil || a.button != 0 {
		return nil, false, err
	}
	return a.paths, true, nil
}

// chooser is an open file chooser (game goroutine): the folder listed,
// what is selected in it, and its widgets.
type chooser struct {
	p    *panel
	od   *openDialog
	home string

	dir     string         // the folder listed
	entries []folder.Entry // what it holds, as listed
	picked  map[string]bool
	// note is said under the list in place of the selection: why a folder
	// cannot be read, a path typed that is not there, "Choose a file…"
	note  string
	shown string // the path line's text as the chooser set it

	title, status *widget.Text
	up            *widget.Button
	pathRow, list *widget.Container
	rows          *widget.Container // in scroll
	scroll        *widget.ScrollContainer
	slider        *widget.Slider
	buttons       *widget.Container
	rowWidgets    []*chooserRow
	rowsWidth     int // the width the rows were made for (0: make them again)

	lastRow int // the row clicked last and when, for a double-click
	lastAt  time.Time
	done    func(dialogAnswer)
}

// chooserRow is one entry's row in the list.
type chooserRow struct {
	box   *widget.Container
	mark  *widget.Text
	hover bool
}

// Colours of the list's rows: under the pointer, and selected.
var (
	rowHover    = euiimage.NewNineSliceColor(color.NRGBA{0xf0, 0xf3, 0xf8, 0xff})
	rowSelected = euiimage.NewNineSliceColor(color.NRGBA{0xdb, 0xe8, 0xfe, 0xff})
)

// showChooser opens d, a file chooser (ChooseFiles), as a modal ebitenui
// window (game goroutine).
func (p *panel) showChooser(d *dialog) {
	st := p.style
	c := &chooser{p: p, lastRow: -1}
	c.home, _ = os.UserHomeDir()
	dir := cmp.Or(d.initial, c.home, string(filepath.Separator))
	od := &openDialog{d: d, enter: c.enter, fit: c.fit}
	c.od = od
	answered := false
	c.done = func(a dialogAnswer) {
		if answered {
			return
		}
		answered = true
		p.forgetDialog(od)
		od.win.Close()
		d.answers <- a
	}
	od.answer = func(button int) {
		if button == 0 {
			c.sendSelected()
			return
		}
		c.done(dialogAnswer{button: button})
	}

	c.title = st.newLabel(d.text, &st.plain, st.text)
	od.pw = widget.NewTextInput(
		widget.TextInputOpts.Image(st.input), widget.TextInputOpts.Face(&st.face),
		widget.TextInputOpts.Color(st.inputColor), widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
		// No SubmitHandler: dialogKeys takes ENTER (see showDialog).
	)
	c.up = st.newButton("Up", c.goUp, "")
	c.pathRow = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(buttonGap, 0),
		widget.GridLayoutOpts.Stretch([]bool{false, true}, []bool{true}))))
	c.pathRow.AddChild(c.up, od.pw)

	c.rows = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewRowLayout(
		widget.RowLayoutOpts.Direction(widget.DirectionVertical))))
	white := euiimage.NewNineSliceColor(color.NRGBA{0xff, 0xff, 0xff, 0xff})
	c.scroll = widget.NewScrollContainer(
		widget.ScrollContainerOpts.Content(c.rows),
		widget.ScrollContainerOpts.StretchContentWidth(),
		widget.ScrollContainerOpts.Image(&widget.ScrollContainerImage{Idle: white, Disabled: white, Mask: white}),
	)
	pageSize := func() int {
		if h := c.rows.GetWidget().Rect.Dy(); h > 0 {
			return int(math.Round(float64(c.scroll.ViewRect().Dy()) / float64(h) * 1000))
		}
		return 1000
	}
	c.slider = widget.NewSlider(
		widget.SliderOpts.Orientation(widget.DirectionVertical),
		widget.SliderOpts.MinMax(0, 1000),
		widget.SliderOpts.PageSizeFunc(pageSize),
		widget.SliderOpts.Images(&widget.SliderTrackImage{Idle: st.panel, Hover: st.panel}, st.scrollThumb),
		widget.SliderOpts.MinHandleSize(scrollbarWidth),
		widget.SliderOpts.ChangedHandler(func(a *widget.SliderChangedEventArgs) {
			c.scroll.ScrollTop = 0
			if pageSize() < 1000 {
				c.scroll.ScrollTop = float64(a.Slider.Current) / 1000
			}
		}),
	)
	c.scroll.GetWidget().ScrolledEvent.AddHandler(func(args any) {
		if a, ok := args.(*widget.WidgetScrolledEventArgs); ok {
			c.slider.Current -= int(math.Round(a.Y * float64(max(1, pageSize()/3))))
		}
	})
	c.list = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.input.Idle),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(1)),
			widget.GridLayoutOpts.Stretch([]bool{true, false}, []bool{true}))))
	c.list.AddChild(c.scroll, c.slider)

	c.status = st.newLabel("", &st.small, st.dim)
	od.buttons = []*widget.Button{
		st.newButton("Send", func() { od.answer(0) }, ""),
		st.newButton("Cancel", func() { od.answer(1) }, ""),
	}
	c.buttons = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(buttonGap, 0),
		widget.GridLayoutOpts.Stretch([]bool{true, true}, nil))))
	c.buttons.AddChild(od.buttons[0], od.buttons[1])

	od.content = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.dialog),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, chooserSpacing),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(dialogPad)),
			// The list's row takes the height the others leave.
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{false, false, true, false, false}))),
	)
	od.content.AddChild(c.title, c.pathRow, c.list, c.status, c.buttons)
	od.win = widget.NewWindow(widget.WindowOpts.Contents(od.content), widget.WindowOpts.Modal())
	c.show(dir)
	c.fit(image.Pt(ebiten.WindowSize()))
	p.ui.AddWindow(od.win)
	od.pw.Focus(true)
	p.open = append(p.open, od)
}

// show lists folder dir (fit makes its rows): nothing selected, the path
// line showing dir.
func (c *chooser) show(dir string) {
	entries, err := folder.Read(dir)
	c.dir, c.entries, c.picked, c.note = dir, entries, map[string]bool{}, ""
	switch {
	case err != nil:
		c.note = "This folder cannot be read: " + folder.Reason(err) + "."
	case len(entries) > chooserMaxListed:
		c.note = fmt.Sprintf("Only the first %d of its %d entries are listed: type the name of another in the line above.", chooserMaxListed, len(entries))
		c.entries = entries[:chooserMaxListed]
	case len(entries) == 0:
		c.note = "There is nothing to list in this folder."
	}
	c.shown = folder.Shown(dir)
	c.od.pw.SetText(c.shown)
	c.up.GetWidget().Disabled = filepath.Dir(dir) == dir
	c.rowsWidth, c.lastRow = 0, -1
	c.slider.Current, c.scroll.ScrollTop = 0, 0
}

// open lists folder dir and lays the chooser out again.
func (c *chooser) open(dir string) {
	c.show(dir)
	c.changed()
}

// changed lays the chooser out again after a change and gives the path
// line the keyboard back (a click elsewhere took it): what is typed always
// goes there.
func (c *chooser) changed() {
	c.fit(c.od.size)
	c.od.pw.Focus(true)
}

func (c *chooser) goUp() {
	if parent := filepath.Dir(c.dir); parent != c.dir {
		c.open(parent)
	}
}

// fit lays the chooser out for a window of size win (game goroutine): as
// wide as a dialog (view.DialogWidth), the list chooserRows rows high
// where the window has the room and less where it has not, so the whole
// always lies inside the window.
func (c *chooser) fit(win image.Point) {
	st := c.p.style
	od := c.od
	od.size = win
	if !od.content.IsValidated() {
		od.content.Validate() // its texts measure themselves only then
	}
	width := view.DialogWidth(win.X)
	inner := width - 2*dialogPad
	if c.rowsWidth != inner {
		c.makeRows(inner)
	}
	c.status.Label = c.statusText(inner)
	c.status.SetColor(st.dim)
	if c.note != "" {
		c.status.SetColor(st.text)
	}
	c.status.MaxWidth = float64(inner)
	height := func(w widget.PreferredSizeLocateableWidget) int { _, h := w.PreferredSize(); return h }
	h := 2*dialogPad + 4*chooserSpacing + height(c.title) + height(c.pathRow) + height(c.status) + height(c.buttons) +
		chooserRows*chooserRowHeight + 2
	h = min(h, view.DialogMaxHeight(win.Y))
	od.win.SetLocation(view.PlaceDialog(win, image.Pt(width, h)))
	od.content.RequestRelayout()
}

// statusText is what the line under the list says: the note, or what is
// selected (one line, cut to width), or how to select.
func (c *chooser) statusText(width int) string {
	st := c.p.style
	if c.note != "" {
		return wrap(c.note, st.small, float64(width-2))
	}
	var names []string
	for _, e := range c.entries {
		if c.picked[e.Name] {
			names = append(names, e.Label())
		}
	}
	if len(names) == 0 {
		return wrap("Click the files and folders to send; double-click a folder to open it.", st.small, float64(width-2))
	}
	s := fmt.Sprintf("%d selected: %s", len(names), strings.Join(names, ", "))
	return view.Ellipsize(s, float64(width-2), advanceIn(st.small))
}

// makeRows makes the list's rows for a list width wide: the check mark,
// the name (cut to fit) and a file's size.
func (c *chooser) makeRows(width int) {
	st := c.p.style
	c.rowsWidth = width
	c.rows.RemoveChildren()
	c.rowWidgets = c.rowWidgets[:0]
	const padL, padR, gap = 6, 8, 6
	rowInner := width - 2 - scrollbarWidth - padL - padR
	for _, e := range c.entries { // a file's name may be in Chinese
		st.need(e.Label())
	}
	advance := advanceIn(st.face)
	for i, e := range c.entries {
		size := ""
		if !e.Dir {
			size = humansize.Bytes(e.Size)
		}
		sizeW := int(math.Ceil(text.Advance(size, st.small)))
		nameW := rowInner - chooserMarkWidth - sizeW - 2*gap
		center := widget.TextOpts.WidgetOpts(widget.WidgetOpts.LayoutData(widget.GridLayoutData{VerticalPosition: widget.GridLayoutPositionCenter}))
		row := &chooserRow{mark: widget.NewText(widget.TextOpts.Text("", &st.face, st.link), center,
			widget.TextOpts.WidgetOpts(widget.WidgetOpts.MinSize(chooserMarkWidth, 0)))}
		name := widget.NewText(widget.TextOpts.Text(view.Ellipsize(e.Label(), float64(nameW), advance), &st.face, st.text), center)
		// The smaller size sits on the name's baseline, about.
		sz := widget.NewText(widget.TextOpts.Text(size, &st.small, st.dim), center, widget.TextOpts.Padding(&widget.Insets{Top: 4}))
		row.box = widget.NewContainer(
			widget.ContainerOpts.Layout(widget.NewGridLayout(
				widget.GridLayoutOpts.Columns(3), widget.GridLayoutOpts.Spacing(gap, 0),
				widget.GridLayoutOpts.Padding(&widget.Insets{Left: padL, Right: padR}),
				widget.GridLayoutOpts.Stretch([]bool{false, true, false}, []bool{true}))),
			widget.ContainerOpts.WidgetOpts(
				widget.WidgetOpts.MinSize(0, chooserRowHeight),
				widget.WidgetOpts.LayoutData(widget.RowLayoutData{Stretch: true}),
				widget.WidgetOpts.MouseButtonClickedHandler(func(a *widget.WidgetMouseButtonClickedEventArgs) {
					if a.Button == ebiten.MouseButtonLeft {
						c.click(i)
					}
				}),
				widget.WidgetOpts.CursorEnterHandler(func(*widget.WidgetCursorEnterEventArgs) { row.hover = true; c.paint(i) }),
				widget.WidgetOpts.CursorExitHandler(func(*widget.WidgetCursorExitEventArgs) { row.hover = false; c.paint(i) }),
			))
		row.box.AddChild(row.mark, name, sz)
		c.rowWidgets = append(c.rowWidgets, row)
		c.rows.AddChild(row.box)
		c.paint(i)
	}
}

// paint shows row i selected (a check mark on blue) or not, and under the
// pointer.
func (c *chooser) paint(i int) {
	row := c.rowWidgets[i]
	var bg *euiimage.NineSlice
	row.mark.Label = ""
	switch {
	case c.picked[c.entries[i].Name]:
		bg, row.mark.Label = rowSelected, "✓"
	case row.hover:
		bg = rowHover
	}
	row.box.SetBackgroundImage(bg)
}

// click selects or deselects row i; a second click on it soon after (a
// double-click) opens a folder, or sends the selection with the file.
func (c *chooser) click(i int) {
	now := time.Now()
	double := i == c.lastRow && now.Sub(c.lastAt) < doubleClick
	c.lastRow, c.lastAt = i, now
	e := c.entries[i]
	switch {
	case double && e.Dir:
		c.open(filepath.Join(c.dir, e.Name))
		return
	case double:
		c.picked[e.Name] = true
		c.sendSelected()
		return
	case c.picked[e.Name]:
		delete(c.picked, e.Name)
	default:
		c.picked[e.Name] = true
	}
	c.paint(i)
	c.note = ""
	c.changed()
}

// enter is ENTER in the chooser: a folder typed in the path line opens, a
// file typed is sent, and otherwise what is selected is sent.
func (c *chooser) enter() {
	action, path, err := folder.Interpret(c.od.pw.GetText(), c.shown, c.dir, c.home)
	switch {
	case err != nil:
		c.note = path + ": " + folder.Reason(err) + "."
		c.changed()
	case action == folder.Open:
		c.open(path)
	case action == folder.SendPath:
		c.done(dialogAnswer{paths: []string{path}})
	default:
		c.sendSelected()
	}
}

// sendSelected answers with the entries selected, or says to choose one.
func (c *chooser) sendSelected() {
	var paths []string
	for _, e := range c.entries {
		if c.picked[e.Name] {
			paths = append(paths, filepath.Join(c.dir, e.Name))
		}
	}
	if len(paths) == 0 {
		c.note = "Choose a file or folder first: click it in the list."
		c.changed()
		return
	}
	c.done(dialogAnswer{paths: paths})
}
