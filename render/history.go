package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/ra-p2p/ra-p2p/render/view"
)

// history is the chat history's state (game goroutine): its entries, how
// each is shown, and the messages the user selected to copy. A chat
// message is a link in the history's text: a click selects it (Shift+click
// selects every entry from the first click to this one), a click on the
// selection or beside the messages clears it, and Ctrl+C copies it.
type history struct {
	entries   []Entry  // oldest first
	lines     []string // entries as the history shows them
	first     int      // the id of entries[0]: ids stay put as old entries drop off
	wrapWidth float64  // the width lines are wrapped to (0: not laid out yet)
	// the selection: entries with ids anchor..to in either order; none
	// while anchor < 0
	anchor, to int
	clicked    bool // a message was clicked in this frame's widget update
}

// maxHistory is how many entries the history keeps.
const maxHistory = 500

// Colours of the history's text: time and status lines, names, a message
// under the pointer (it can be clicked) and a selected entry.
const (
	historyDim      = "#6b7280"
	historyName     = "#1d4ed8"
	historySelected = "#7c3aed"
)

// newHistory makes the history's text area: it processes its markup and
// reports clicks on messages.
func (p *panel) newHistory() *widget.TextArea {
	p.hist.anchor = -1
	t := p.style.newTextArea(&p.style.small, leftWidth-24, 100,
		widget.TextAreaOpts.VerticalScrollMode(widget.ScrollEnd),
		widget.TextAreaOpts.ProcessBBCode(true),
		widget.TextAreaOpts.LinkClickedEvent(func(a *widget.LinkEventArgs) { p.clickEntry(a.Id) }))
	// ebitenui 0.7.3's text drops the link colours given as an option
	// (TextAreaOpts.LinkColor), and takes them from a theme only: one for
	// the history alone, with nothing else in it.
	t.GetWidget().SetTheme(&widget.Theme{TextTheme: &widget.TextParams{
		LinkColor: &widget.TextLinkColor{Idle: p.style.text, Hover: p.style.link},
	}})
	return t
}

// appendLine adds e to the history (game goroutine).
func (p *panel) appendLine(e Entry) {
	h := &p.hist
	if e.From != "" && e.From != "You" {
		p.lastFromPeer = e.Text
	}
	h.entries = append(h.entries, e)
	h.lines = append(h.lines, p.historyLine(h.first+len(h.entries)-1, e))
	if drop := len(h.entries) - maxHistory; drop > 0 {
		h.entries = h.entries[drop:]
		h.lines = h.lines[drop:]
		h.first += drop
	}
	p.history.SetText(strings.Join(h.lines, "\n")) // and scrolls to the new line
}

// selected says whether the entry with this id is selected.
func (h *history) selected(id int) bool {
	if h.anchor < 0 {
		return false
	}
	return min(h.anchor, h.to) <= id && id <= max(h.anchor, h.to)
}

// historyLine is entry id, e, as the history shows it: time, name and text
// in their colours (all of it in one colour when selected), wrapped to the
// history's width (ebitenui breaks lines only at spaces, so a long word ran
// past the edge). A message's text is a link, for clicks.
func (p *panel) historyLine(id int, e Entry) string {
	type span struct {
		text, color string // color "": the history's own
		link        bool
	}
	ts := e.Time.Format("15:04")
	var spans []span
	if e.From != "" {
		spans = []span{{ts + " ", historyDim, false}, {escapeBBCode(e.From) + ":", historyName, false}, {" " + escapeBBCode(e.Text), "", true}}
	} else {
		spans = []span{{ts + " " + escapeBBCode(e.Text), historyDim, false}}
		if e.Open != "" {
			spans = append(spans, span{" " + openFolder, "", true})
		}
	}
	selected := p.hist.selected(id)
	var plain strings.Builder
	for _, sp := range spans {
		plain.WriteString(sp.text)
	}
	all := plain.String()
	var b strings.Builder
	for i, r := range view.Wrap(all, p.hist.wrapWidth, advanceIn(p.style.small)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		at := 0
		for _, sp := range spans {
			lo, hi := max(r.Start, at), min(r.End, at+len(sp.text))
			at += len(sp.text)
			switch {
			case lo >= hi:
			case selected:
				b.WriteString("[color=" + historySelected + "]" + all[lo:hi] + "[/color]")
			case sp.link && e.Open != "":
				b.WriteString("[link=" + openLink + strconv.Itoa(id) + "]" + all[lo:hi] + "[/link]")
			case sp.link:
				b.WriteString("[link=" + strconv.Itoa(id) + "]" + all[lo:hi] + "[/link]")
			case sp.color == "":
				b.WriteString(all[lo:hi])
			default:
				b.WriteString("[color=" + sp.color + "]" + all[lo:hi] + "[/color]")
			}
		}
	}
	return b.String()
}

// rewrapHistory wraps the history again when its width changed (game
// goroutine, after a layout): it reports whether it did.
func (p *panel) rewrapHistory() bool {
	w := float64(0)
	if dx := p.history.GetWidget().Rect.Dx(); dx > 0 {
		// ebitenui counts the text's padding in a line's width and wants
		// it less than the whole width; 2 px spare for rounding.
		w = float64(dx - historyPadX - 2)
	}
	if w == p.hist.wrapWidth {
		return false
	}
	p.hist.wrapWidth = w
	p.redrawHistory()
	return true
}

// redrawHistory shows every entry again (its width or the selection
// changed) where the history is scrolled to: the text area would scroll to
// its end.
func (p *panel) redrawHistory() {
	h := &p.hist
	for i, e := range h.entries {
		h.lines[i] = p.historyLine(h.first+i, e)
	}
	var bar *widget.Slider
	for _, f := range p.history.GetFocusers() { // its scrollbar: the only slider
		if s, ok := f.(*widget.Slider); ok {
			bar = s
		}
	}
	at := 0
	if bar != nil {
		at = bar.Current
	}
	p.history.SetText(strings.Join(h.lines, "\n"))
	if bar != nil {
		bar.Current = at
	}
}

// clickEntry selects the message the user clicked, link id (game
// goroutine, in the widgets' update).
func (p *panel) clickEntry(link string) {
	open := strings.HasPrefix(link, openLink)
	id, err := strconv.Atoi(strings.TrimPrefix(link, openLink))
	if err != nil || id < p.hist.first || id >= p.hist.first+len(p.hist.entries) {
		return
	}
	h := &p.hist
	h.clicked = true
	if open {
		p.openFolder(h.entries[id-h.first].Open)
		return
	}
	p.uiDirty = true
	if h.anchor >= 0 && ebiten.IsKeyPressed(ebiten.KeyShift) {
		h.to = id
	} else {
		h.anchor, h.to = id, id
	}
	p.redrawHistory()
}

// historyClicks clears the selection after a click in the history that
// selected nothing (on the selection itself, or beside the messages), the
// scrollbar's strip excepted (game goroutine, after the widgets' update).
func (p *panel) historyClicks() {
	h := &p.hist
	clicked := h.clicked
	h.clicked = false
	if clicked || h.anchor < 0 || !inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		return
	}
	r := p.history.GetWidget().Rect
	r.Max.X -= historyPadX - 6 // the scrollbar
	if image.Pt(ebiten.CursorPosition()).In(r) {
		h.anchor = -1
		p.uiDirty = true
		p.redrawHistory()
	}
}

// selectedText is the selection as the clipboard gets it: one message as
// it was written (a command to paste elsewhere, say); several entries as
// the lines of a conversation. "" when nothing is selected.
func (h *history) selectedText() string {
	if h.anchor < 0 {
		return ""
	}
	lo, hi := min(h.anchor, h.to)-h.first, max(h.anchor, h.to)-h.first
	lo, hi = max(lo, 0), min(hi, len(h.entries)-1)
	if lo > hi {
		return ""
	}
	if lo == hi {
		return h.entries[lo].Text
	}
	var b strings.Builder
	for _, e := range h.entries[lo : hi+1] {
		b.WriteString(e.Time.Format("15:04") + " ")
		if e.From != "" {
			b.WriteString(e.From + ": ")
		}
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

// openFolder is the link of an entry that offers a folder (Entry.Open);
// openLink marks its link's id.
const (
	openFolder = "Open the folder"
	openLink   = "open:"
)

// openFolder opens dir in the desktop's file manager (xdg-open), off the
// game goroutine; a failure is said in the history.
func (p *panel) openFolder(dir string) {
	p.bg.Go(func() {
		ctx, cancel := context.WithTimeout(p.bgCtx, 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "xdg-open", dir)
		cmd.WaitDelay = time.Second // the file manager it starts may keep the output open
		out, err := cmd.CombinedOutput()
		if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
			p.Post(Entry{Text: fmt.Sprintf("The folder %s could not be opened (%v): %s", dir, err, strings.TrimSpace(string(out)))})
		}
	})
}

// escapeBBCode keeps peer text from being read as markup.
func escapeBBCode(s string) string {
	return strings.NewReplacer("[", "⟦", "]", "⟧").Replace(s)
}
