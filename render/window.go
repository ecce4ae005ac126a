package render

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebitenui/ebitenui"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render/xkeys"
)

// FrameSource lends the newest remote screen to the window, as
// screen.Receiver.WithLatest does: the View's Image and Cells may be read
// during the call only.
type FrameSource interface {
	WithLatest(func(desktop.View))
}

// Entry is one line of the history: a chat line (From set) or a status change.
type Entry struct {
	Time time.Time
	From string // "" for status entries
	Text string
	// Open is a folder a status entry offers to open (xdg-open): files
	// received land there.
	Open string
}

// Config is what both windows are configured with; HelperConfig and
// NoviceConfig add each role's own. Callbacks run on the game goroutine:
// they must not block (hand work to another goroutine).
type Config struct {
	Title    string
	PeerName string // the other side, e.g. "Alice"
	// Send sends a chat line; nil while there is no session.
	Send func(text string) error
	// Disconnect ends the session for both sides.
	Disconnect func()
	// Size of the window at start (0 = 1280x800).
	Width, Height int
	// CheckNetwork says in plain sentences what this network allows for
	// direct connections (`ra-p2p check`); the Help page offers it. It runs
	// off the game goroutine and must end when ctx does. Nil: not offered.
	CheckNetwork func(ctx context.Context) string
	// SendFiles is the Send a File button, enabled while connected (nil:
	// disabled, files cannot be sent); CancelTransfer is a transfer's
	// Cancel button (ShowTransfer). Both run on the game goroutine.
	SendFiles      func()
	CancelTransfer func(id string)
	// DropFiles gets the paths of files and folders dropped onto the
	// window while connected (nil: drops are ignored).
	DropFiles func(paths []string)
	// Voice wires Start Talking, Mute and the meters.
	Voice VoiceConfig
}

// ErrClosed is returned by Run when the user closed the window.
var ErrClosed = errors.New("render: window closed")

// panel is what both windows are made of: the left panel (status line,
// buttons, chat history, message box), its dialogs and help page, the close
// confirmation, and the game loop around them (wake-ups, drawing on
// demand). HelperWindow and NoviceWindow embed it, add their own buttons
// and implement ebiten.Game with its parts; its exported methods are
// theirs, safe from any goroutine.
type panel struct {
	cfg   Config
	style *style
	ui    *ebitenui.UI
	help  string // the help page's text
	// controlChanged shows control on the window's own buttons (game
	// goroutine); the window type sets it.
	controlChanged func()

	status    *widget.Text
	history   *widget.TextArea
	input     *widget.TextInput
	send      *widget.Button
	disc      *widget.Button
	sendFile  *widget.Button    // Send a File
	transfers *widget.Container // the running transfers' rows
	left      *widget.Container

	// background work the window started (the network check), ended by Run
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
	checking atomic.Bool
	stopped  chan struct{} // closed when Run has returned

	mu           sync.Mutex
	pending      []Entry
	statusTxt    string
	connected    bool
	dialogs      []*dialog
	closeReq     bool
	titleSet     string // the title asked for; "" = unchanged
	dirty        bool   // something changed that Update must look at
	controlSet   ControlState
	keys         []xkeys.Key      // key events read from X, not yet taken by Update
	keysX        bool             // keys come from X (keysLoop), not from Ebiten
	pasted       []string         // clipboard text read for a paste, not yet typed into the chat box
	pastedDialog []string         // the same for the open dialog's line
	transfersIn  []transferChange // ShowTransfer and EndTransfer calls not yet shown
	voiceSet     VoiceState
	peerNameSet  string // SetPeerName's; "" = cfg.PeerName

	// game goroutine only
	keysFromX    bool    // this frame's typed text comes from X: the chat box refuses Ebiten's
	inUIUpdate   bool    // ebitenui is updating the widgets
	boxText      string  // the chat box's text as the window itself last set it
	lastFromPeer string  // the other side's last chat message, for Ctrl+C
	hist         history // the chat history's entries and selection
	transferRows map[string]*transferRow
	voice        voiceControls
	peerNameNow  string // the other side's name as shown now
	quitting     bool
	open         []*openDialog // the open dialogs, newest last
	control      ControlState
	connectedNow bool

	// redraw of the left panel (game goroutine): only when it may have changed
	uiDirty    bool
	lastCursor image.Point
	lastSize   image.Point
	frames     int
}

const leftWidth = 340

// newPanel makes the parts both windows share, for cfg (its zero size is
// set to the default here) with help as the help page's text; the window
// type then builds its buttons and buildPanel. Nothing is shown until Run.
func newPanel(cfg *Config, help string) (*panel, error) {
	st, err := newStyle(fallbackFonts)
	if err != nil {
		return nil, err
	}
	if cfg.Width == 0 {
		cfg.Width, cfg.Height = 1280, 800
	}
	p := &panel{cfg: *cfg, style: st, help: help, statusTxt: "Connecting to " + cfg.PeerName + "…"}
	p.bgCtx, p.bgCancel = context.WithCancel(context.Background())
	p.stopped = make(chan struct{})
	return p, nil
}

// notYet is the tooltip of the buttons of features not built yet.
const notYet = "Not available yet in this version of ra-p2p."

// newSendFileButton makes the Send a File button both windows have.
func (p *panel) newSendFileButton() *widget.Button {
	reason := ""
	if p.cfg.SendFiles == nil {
		reason = "Files cannot be sent in this session."
	}
	p.sendFile = p.style.newButton("Send a File", func() {
		if p.cfg.SendFiles != nil {
			p.cfg.SendFiles()
		}
	}, reason)
	return p.sendFile
}

// buildPanel builds the left panel: the status line, the window's own
// buttons followed by Disconnect and Help, the chat history and the message
// box. The window type places p.left and sets p.ui.
func (p *panel) buildPanel(buttons ...widget.PreferredSizeLocateableWidget) {
	st := p.style
	p.status = st.newLabel("", &st.face, st.text)
	p.status.MaxWidth = leftWidth - 24

	p.disc = st.newButton("Disconnect", p.onDisconnect, "")
	p.disc.GetWidget().Disabled = true
	buttons = append(buttons, p.disc, st.newButton("Help", p.openHelp, ""))
	grid := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(6, 6),
		widget.GridLayoutOpts.Stretch([]bool{true, true}, nil))))
	for _, b := range buttons {
		grid.AddChild(b)
	}

	p.history = p.newHistory()

	p.input = widget.NewTextInput(
		widget.TextInputOpts.Image(st.input),
		widget.TextInputOpts.Face(&st.face),
		widget.TextInputOpts.Color(st.inputColor),
		widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
		widget.TextInputOpts.Placeholder("Type a message"),
		widget.TextInputOpts.IgnoreEmptySubmit(true),
		widget.TextInputOpts.AllowDuplicateSubmit(true),
		widget.TextInputOpts.Validation(p.boxAccepts),
		widget.TextInputOpts.SubmitHandler(func(*widget.TextInputChangedEventArgs) {
			if !p.keysFromX { // with X, ENTER comes in order with the text (chatKeys)
				p.sendBox()
			}
		}),
	)
	p.send = st.newButton("Send", p.sendBox, "")
	entry := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(6, 0),
		widget.GridLayoutOpts.Stretch([]bool{true, false}, []bool{true}))))
	entry.AddChild(p.input, p.send)
	p.setConnectedLocked(false)

	p.left = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.panel),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, 10),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(12)),
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{false, false, false, false, false, true, false}))),
	)
	chatTitle := st.newLabel("Chat history", &st.plainSmall, st.dim)
	p.transfers = p.newTransfers()
	voiceRow := p.voice.row
	if voiceRow == nil { // a window without voice buttons (home)
		voiceRow = widget.NewContainer()
	}
	p.left.AddChild(p.status, grid, voiceRow, p.transfers, chatTitle, p.history, entry)
}

// run opens the window and runs game until the user closes it (ErrClosed)
// or Close is called (nil), with loops running beside the game loop until
// it ends. It must be called on the main goroutine.
func (p *panel) run(game ebiten.Game, loops ...func(stop <-chan struct{})) error {
	returnLargeBlocks() // before OpenGL allocates anything
	ebiten.SetWindowTitle(p.cfg.Title)
	ebiten.SetWindowIcon(windowIcons())
	ebiten.SetWindowSize(p.cfg.Width, p.cfg.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	p.setSizeLimits()
	ebiten.SetWindowClosingHandled(true)
	// Draw only when something changed: an idle window costs ~0% CPU.
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetVsyncEnabled(false)
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)
	// One Update per frame. With the default 60 ticks per second, a frame
	// woken less than half a tick after the previous one runs Draw without
	// Update, so a new remote frame (picked up in Update) waited for the next
	// wake-up: that was most of the 106 ms screen latency measured before.
	ebiten.SetTPS(ebiten.SyncWithFPS)
	// Wake-ups requested before the game loop runs can be lost; a light
	// ticker re-asks for a frame while something is waiting to be shown.
	stop := make(chan struct{})
	var running sync.WaitGroup
	defer func() { close(stop); running.Wait(); p.bgCancel(); p.bg.Wait(); close(p.stopped) }()
	running.Go(func() { p.wakeLoop(stop) })
	if x11Window {
		loops = append(loops, p.keysLoop)
	}
	for _, loop := range loops {
		running.Go(func() { loop(stop) })
	}
	err := ebiten.RunGameWithOptions(game, &ebiten.RunGameOptions{X11ClassName: x11Class, X11InstanceName: x11Instance})
	if errors.Is(err, ebiten.Termination) || err == nil {
		if p.quitting {
			return ErrClosed
		}
		return nil
	}
	return err
}

func (p *panel) wakeLoop(stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			// dirty stays set until an Update takes the state: a wake-up
			// that Ebiten swallows (seen at start-up: the window then
			// froze until the next X event) is asked for again.
			p.mu.Lock()
			waiting := p.dirty
			p.mu.Unlock()
			if waiting {
				ebiten.ScheduleFrame()
			}
		}
	}
}

// update changes the window's shared state from any goroutine and wakes
// the window to show it.
func (p *panel) update(change func()) {
	p.mu.Lock()
	change()
	p.dirty = true
	p.mu.Unlock()
	ebiten.ScheduleFrame()
}

// Close ends Run from any goroutine.
func (p *panel) Close() { p.update(func() { p.closeReq = true }) }

// SetStatus changes the status line.
func (p *panel) SetStatus(s string) { p.update(func() { p.statusTxt = s }) }

// SetTitle changes the window's title. Ebiten's SetWindowTitle runs on the
// window's thread, and waits for it: called from a session's goroutine
// after the game loop had ended (the window closing on Ctrl-C while the
// session showed "Disconnected"), it waited for good, and the program never
// quit. So the title goes through Update, like every other change.
func (p *panel) SetTitle(s string) { p.update(func() { p.titleSet = s }) }

// Post adds an entry to the history.
func (p *panel) Post(e Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	p.update(func() { p.pending = append(p.pending, e) })
}

// SetConnected enables or disables the chat entry and Disconnect.
func (p *panel) SetConnected(on bool) { p.update(func() { p.connected = on }) }

func (p *panel) setConnectedLocked(on bool) {
	p.input.GetWidget().Disabled = !on
	p.send.GetWidget().Disabled = !on
	p.disc.GetWidget().Disabled = !on
	p.sendFile.GetWidget().Disabled = !on || p.cfg.SendFiles == nil
}

// sendBox sends the chat box's line and empties the box (game goroutine).
func (p *panel) sendBox() {
	line := p.input.GetText()
	p.setBox("")
	p.sendLine(line)
}

// setBox sets the chat box's text (game goroutine).
func (p *panel) setBox(s string) {
	p.boxText = s
	p.input.SetText(s)
}

// insertBox types s into the chat box at its caret (game goroutine).
func (p *panel) insertBox(s string) {
	p.input.Insert(s)
	p.boxText = p.input.GetText()
}

// chatKeys types the text of the key events read from X into the chat box
// while it has the keyboard, and sends the line on ENTER, in the order
// typed. Ebiten reads a key's character from the keyboard map when it
// handles the event, which can be frames later: xdotool (and any tool
// that types characters the map lacks) maps them on a spare key only for
// the press, so "Grüße" arrived as "Gre"; the X reader looks the key up as
// soon as the press arrives (game goroutine).
func (p *panel) chatKeys(keys []typed) {
	if len(p.open) > 0 || !p.input.IsFocused() || p.input.GetWidget().Disabled {
		return
	}
	for _, t := range keys {
		switch {
		case t.text != "":
			p.insertBox(t.text)
		case t.down && (t.sym == "Return" || t.sym == "KP_Enter"):
			p.sendBox()
		}
	}
}

// boxAccepts is the chat box's validation: while the keys come from X,
// the characters Ebiten reports (ebitenui inserts them while it updates)
// are refused, as chatKeys has typed them already; every other change is
// the box's own (BackSpace, Delete, a paste, clearing after Send).
func (p *panel) boxAccepts(s string) (bool, *string) {
	if p.keysFromX && p.inUIUpdate && s != p.boxText && len(ebiten.AppendInputChars(nil)) > 0 {
		return false, nil
	}
	return true, nil
}

func (p *panel) sendLine(s string) {
	s = strings.TrimSpace(s)
	if s == "" || p.cfg.Send == nil {
		return
	}
	if err := p.cfg.Send(s); err != nil {
		p.appendLine(Entry{Time: time.Now(), Text: "Your message was not sent: " + err.Error()})
		return
	}
	p.appendLine(Entry{Time: time.Now(), From: "You", Text: s})
}

func (p *panel) onDisconnect() {
	if p.cfg.Disconnect != nil {
		p.cfg.Disconnect()
	}
}

// Layout implements ebiten.Game.
func (p *panel) Layout(outsideWidth, outsideHeight int) (int, int) {
	return outsideWidth, outsideHeight
}

// updatePanel is the first part of both windows' Update: it takes the
// state other goroutines changed and shows it in the panel, opens new
// dialogs and handles the window's close button. It returns
// ebiten.Termination when the window is to close (game goroutine).
func (p *panel) updatePanel() error {
	p.mu.Lock()
	p.dirty = false // everything waiting is taken now; wakeLoop need not ask again
	pending := p.pending
	p.pending = nil
	status := p.statusTxt
	connected := p.connected
	closeReq := p.closeReq
	title := p.titleSet
	p.titleSet = ""
	controlSet := p.controlSet
	voiceSet := p.voiceSet
	p.peerNameNow = cmp.Or(p.peerNameSet, p.cfg.PeerName)
	pasted := p.pasted
	p.pasted = nil
	pastedDialog := p.pastedDialog
	p.pastedDialog = nil
	transfers := p.transfersIn
	p.transfersIn = nil
	var newDialogs []*dialog
	if len(p.dialogs) > 0 {
		newDialogs = p.dialogs
		p.dialogs = nil
	}
	p.mu.Unlock()
	if closeReq {
		return ebiten.Termination
	}
	if title != "" {
		ebiten.SetWindowTitle(title)
	}
	p.needFonts(status, p.peerNameNow)
	for _, e := range pending {
		p.needFonts(e.From, e.Text)
	}
	for _, t := range transfers {
		p.needFonts(t.t.Text)
	}
	for _, d := range newDialogs {
		p.needFonts(d.text, d.initial)
	}
	p.needFonts(pasted...)
	p.needFonts(pastedDialog...)
	// Ebiten may run Update more than once per Draw: keep the mark until a
	// Draw has shown the panel.
	p.uiDirty = p.uiChanged(len(pending) > 0 || len(pasted) > 0 || len(pastedDialog) > 0 || len(transfers) > 0 || status != p.status.Label || connected != p.connectedNow ||
		controlSet != p.control || len(newDialogs) > 0) || p.uiDirty
	for _, e := range pending {
		p.appendLine(e)
	}
	p.applyTransfers(transfers)
	for _, s := range pasted {
		if !p.input.GetWidget().Disabled {
			p.insertBox(s)
		}
	}
	if n := len(p.open); n > 0 && p.open[n-1].pw != nil {
		for _, s := range pastedDialog {
			p.open[n-1].pw.Insert(s)
		}
	}
	if p.status.Label != status {
		p.status.Label = status
		p.left.RequestRelayout()
	}
	p.setConnectedLocked(connected)
	if connected != p.connectedNow || controlSet != p.control {
		p.connectedNow = connected
		p.control = controlSet
		if !connected {
			p.control = ControlOff
		}
		p.controlChanged()
		p.applyVoice()
	}
	if p.updateVoice(voiceSet) {
		p.uiDirty = true
	}
	p.refitDialogs()
	for _, d := range newDialogs {
		p.showDialog(d)
	}
	if ebiten.IsWindowBeingClosed() && !p.quitting {
		if !connected {
			p.quitting = true
			return ebiten.Termination
		}
		p.showDialog(p.closeDialog())
	}
	return nil
}

// needFonts makes the text faces draw every character of texts, parsing a
// font on demand when one is needed (style.need), and redraws the panel
// then (game goroutine).
func (p *panel) needFonts(texts ...string) {
	if p.style.need(texts...) {
		p.uiDirty = true
	}
}

// setSizeLimits makes the widgets' preferred size, with room for a status
// of three lines, the window's minimum size: below it the status line was
// clipped and the history's scrollbar came loose. It runs before the
// window opens, while the status and the history are empty (the history's
// preferred size grows with its text).
func (p *panel) setSizeLimits() {
	w, h := p.ui.Container.PreferredSize()
	_, line := text.Measure(" ", p.style.face, 0)
	ebiten.SetWindowSizeLimits(w, h+3*int(math.Ceil(line)), -1, -1)
}

// updateWidgets hands the input to the open dialog's keys or else to the
// widgets, the key events read from X (keys, when fromX) to the chat box
// first (game goroutine).
func (p *panel) updateWidgets(keys []typed, fromX bool) {
	if p.dialogKeys(keys, fromX) {
		return
	}
	p.keysFromX = fromX
	if len(keys) > 0 {
		p.uiDirty = true // the chat box may show them
	}
	if fromX {
		p.chatKeys(keys)
	}
	p.clipboardKeys()
	p.droppedFiles()
	p.inUIUpdate = true
	p.ui.Update()
	p.inUIUpdate = false
	p.historyClicks()
	if len(keys) > 0 { // what was typed: the chat box's line, the dialog's
		p.needFonts(p.input.GetText())
		if n := len(p.open); n > 0 && p.open[n-1].pw != nil {
			p.needFonts(p.open[n-1].pw.GetText())
		}
	}
}

// drawPanel draws the widgets on widgets, the window or the part of it they
// are laid out in, and the open dialogs over the whole window (game
// goroutine). The widgets' clipping buffers are the size of what they are
// drawn on (ebitenui's MaskedRenderBuffer); drawn on the whole window while
// a dialog was open, the chat history's and the chat box's four of them
// grew Ebiten's shared texture pages, which stayed grown after the dialog
// closed. So the dialogs stay in the widgets' UI (modal, they keep the
// widgets from hovers and clicks) but are drawn apart: hidden while the UI
// draws, then each over the window.
func (p *panel) drawPanel(window, widgets *ebiten.Image) {
	if widgets == window || len(p.open) == 0 {
		p.ui.Draw(widgets)
	} else {
		for _, od := range p.open {
			od.win.GetContainer().GetWidget().SetVisibility(widget.Visibility_Hide)
		}
		p.ui.Draw(widgets)
		for _, od := range p.open {
			od.win.GetContainer().GetWidget().SetVisibility(widget.Visibility_Show)
			od.win.Render(window)
		}
		widget.RenderDeferred(window) // a dialog's drop-down list
	}
	p.uiDirty = false
	if p.rewrapHistory() {
		// The history's width is known (or changed) only now: show its
		// lines wrapped again in the next frame.
		p.uiDirty = true
		ebiten.ScheduleFrame()
	}
}

func (p *panel) closeDialog() *dialog {
	name := p.cfg.PeerName
	return &dialog{
		text:    fmt.Sprintf("End the session with %s?", name),
		buttons: []string{"End session", "Cancel"},
		onAnswer: func(button int) {
			if button == 0 {
				p.onDisconnect()
				p.quitting = true
				p.Close()
			}
		},
	}
}

// uiChanged says whether the left panel or a dialog may look different this
// frame: new state, any input, a resize, an open dialog, the first frames.
func (p *panel) uiChanged(stateChanged bool) bool {
	p.frames++
	cursor := image.Pt(ebiten.CursorPosition())
	size := image.Pt(ebiten.WindowSize())
	moved := cursor != p.lastCursor || size != p.lastSize
	p.lastCursor, p.lastSize = cursor, size
	dx, dy := ebiten.Wheel()
	return stateChanged || moved || p.frames < 10 || len(p.open) > 0 || dx != 0 || dy != 0 ||
		len(inpututil.AppendPressedKeys(nil)) > 0 || len(inpututil.AppendJustReleasedKeys(nil)) > 0 ||
		// A key pressed and released between two frames is in neither list
		// above; its character is here (without it, typed text showed up
		// only at the next other event, seconds later on a busy machine).
		len(ebiten.AppendInputChars(nil)) > 0 ||
		ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) || ebiten.IsMouseButtonPressed(ebiten.MouseButtonRight) ||
		inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) || inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonRight)
}
