package render

import (
	"image/color"

	euiimage "github.com/ebitenui/ebitenui/image"
	"github.com/ebitenui/ebitenui/widget"
)

// Transfer is a file transfer as the window shows it while it runs: a row
// under the buttons with what moves, a bar, how far and how fast, and
// Cancel. How it ended goes to the history (Post), not here.
type Transfer struct {
	ID     string // the caller's; CancelTransfer gets it back
	Text   string // "Sending report.pdf to Alice"
	Detail string // "1.2 MB of 2.4 MB · 5.0 MB/s · 1 s left"
	// Done of Total fills the bar (Total 0: an empty bar).
	Done, Total int64
}

// ShowTransfer shows t, in a new row or in the row of t.ID.
func (p *panel) ShowTransfer(t Transfer) {
	p.update(func() { p.transfersIn = append(p.transfersIn, transferChange{t: t}) })
}

// EndTransfer removes the row of transfer id.
func (p *panel) EndTransfer(id string) {
	p.update(func() { p.transfersIn = append(p.transfersIn, transferChange{t: Transfer{ID: id}, end: true}) })
}

// transferChange is a ShowTransfer or EndTransfer not yet shown.
type transferChange struct {
	t   Transfer
	end bool
}

// transferRow is one transfer's widgets.
type transferRow struct {
	box          *widget.Container
	text, detail *widget.Text
	bar          *widget.ProgressBar
}

// newTransfers makes the (empty) container of the transfers' rows.
func (p *panel) newTransfers() *widget.Container {
	p.transferRows = map[string]*transferRow{}
	return widget.NewContainer(widget.ContainerOpts.Layout(widget.NewRowLayout(
		widget.RowLayoutOpts.Direction(widget.DirectionVertical), widget.RowLayoutOpts.Spacing(8))))
}

// applyTransfers shows the changes (game goroutine).
func (p *panel) applyTransfers(changes []transferChange) {
	for _, c := range changes {
		row := p.transferRows[c.t.ID]
		switch {
		case c.end && row != nil:
			p.transfers.RemoveChild(row.box)
			delete(p.transferRows, c.t.ID)
		case c.end:
		case row == nil:
			row = p.newTransferRow(c.t.ID)
			p.transferRows[c.t.ID] = row
			p.transfers.AddChild(row.box)
			fallthrough
		default:
			row.text.Label, row.detail.Label = c.t.Text, c.t.Detail
			row.bar.SetCurrent(permille(c.t.Done, c.t.Total))
		}
	}
	if len(changes) > 0 {
		p.left.RequestRelayout()
	}
}

// newTransferRow makes the row of transfer id: its text, the bar with
// Cancel beside it, the detail under them.
func (p *panel) newTransferRow(id string) *transferRow {
	st := p.style
	row := &transferRow{
		text:   st.newLabel("", &st.small, st.text),
		detail: st.newLabel("", &st.small, st.dim),
		bar: widget.NewProgressBar(
			widget.ProgressBarOpts.WidgetOpts(widget.WidgetOpts.MinSize(100, 12),
				widget.WidgetOpts.LayoutData(widget.GridLayoutData{VerticalPosition: widget.GridLayoutPositionCenter})),
			widget.ProgressBarOpts.Images(
				&widget.ProgressBarImage{Idle: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xe5, 0xe7, 0xeb, 0xff}, color.NRGBA{0xb8, 0xbc, 0xc4, 0xff}, 1)},
				&widget.ProgressBarImage{Idle: euiimage.NewNineSliceColor(color.NRGBA{0x5b, 0x8d, 0xef, 0xff})}),
			widget.ProgressBarOpts.Values(0, 1000, 0)),
	}
	row.text.MaxWidth, row.detail.MaxWidth = leftWidth-24, leftWidth-24
	cancel := st.newButton("Cancel", func() {
		if p.cfg.CancelTransfer != nil {
			p.cfg.CancelTransfer(id)
		}
	}, "")
	line := widget.NewContainer(
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(8, 0),
			widget.GridLayoutOpts.Stretch([]bool{true, false}, nil))),
		widget.ContainerOpts.WidgetOpts(widget.WidgetOpts.LayoutData(widget.RowLayoutData{Stretch: true})))
	line.AddChild(row.bar, cancel)
	row.box = widget.NewContainer(
		widget.ContainerOpts.Layout(widget.NewRowLayout(
			widget.RowLayoutOpts.Direction(widget.DirectionVertical), widget.RowLayoutOpts.Spacing(4))),
		widget.ContainerOpts.WidgetOpts(widget.WidgetOpts.LayoutData(widget.RowLayoutData{Stretch: true})))
	row.box.AddChild(row.text, line, row.detail)
	return row
}

// permille is done of total in thousandths, for the bar.
func permille(done, total int64) int {
	if total <= 0 {
		return 0
	}
	return int(min(1000, max(0, done*1000/total)))
}
