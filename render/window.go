package render

import (
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
)

// FrameSource hands the newest remote screen to the window, as
// screen.Receiver.Latest does. The image in the View may be read until
// the next call to Latest.
type FrameSource interface {
	Latest() desktop.View
}

// Entry is one line of the history: a chat line (From set) or a status change.
type Entry struct {
	Time time.Time
	From string // "" for status entries
	Text string
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

	status  *widget.Text
	history *widget.TextArea
	input   *widget.TextInput
	send    *widget.Button
	disc    *widget.Button
	left    *widget.Container

	// background work the window started (the network check), ended by Run
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
	checking atomic.Bool
	stopped  chan struct{} // closed when Run has returned

	mu         sync.Mutex
	pending    []Entry
	statusTxt  string
	connected  bool
	dialogs    []*dialog
	closeReq   bool
	dirty      bool // something changed that Update must look at
	controlSet ControlState

	// game goroutine only
	lines        []string
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
	st, err := newStyle()
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

// buildPanel builds the left panel: the status line, the window's own
// buttons followed by Disconnect and Help, the chat history and the message
// box. The window type places p.left and sets p.ui.
func (p *panel) buildPanel(buttons ...widget.PreferredSizeLocateableWidget) {
	st := p.style
	p.status = st.newLabel("", st.face, st.text)
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

	p.history = st.newTextArea(st.small, leftWidth-24, 100,
		widget.TextAreaOpts.VerticalScrollMode(widget.ScrollEnd),
		widget.TextAreaOpts.ProcessBBCode(true))

	p.input = widget.NewTextInput(
		widget.TextInputOpts.Image(st.input),
		widget.TextInputOpts.Face(&st.face),
		widget.TextInputOpts.Color(st.inputColor),
		widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
		widget.TextInputOpts.Placeholder("Type a message"),
		widget.TextInputOpts.ClearOnSubmit(true),
		widget.TextInputOpts.IgnoreEmptySubmit(true),
		widget.TextInputOpts.AllowDuplicateSubmit(true),
		widget.TextInputOpts.SubmitHandler(func(a *widget.TextInputChangedEventArgs) { p.sendLine(a.InputText) }),
	)
	p.send = st.newButton("Send", func() {
		p.sendLine(p.input.GetText())
		p.input.SetText("")
	}, "")
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
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{false, false, false, true, false}))),
	)
	chatTitle := st.newLabel("Chat history", st.small, st.dim)
	p.left.AddChild(p.status, grid, chatTitle, p.history, entry)
}

// run opens the window and runs game until the user closes it (ErrClosed)
// or Close is called (nil), with loops running beside the game loop until
// it ends. It must be called on the main goroutine.
func (p *panel) run(game ebiten.Game, loops ...func(stop <-chan struct{})) error {
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

// SetTitle changes the window's title (Ebiten allows it from any goroutine).
func (p *panel) SetTitle(s string) { ebiten.SetWindowTitle(s) }

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

// appendLine runs on the game goroutine.
func (p *panel) appendLine(e Entry) {
	ts := e.Time.Format("15:04")
	var line string
	text := escapeBBCode(e.Text)
	if e.From != "" {
		line = fmt.Sprintf("[color=#6b7280]%s[/color] [color=#1d4ed8]%s:[/color] %s", ts, escapeBBCode(e.From), text)
	} else {
		line = fmt.Sprintf("[color=#6b7280]%s %s[/color]", ts, text)
	}
	p.lines = append(p.lines, line)
	if len(p.lines) > 500 {
		p.lines = p.lines[len(p.lines)-500:]
	}
	p.history.SetText(strings.Join(p.lines, "\n"))
}

// escapeBBCode keeps peer text from being read as markup.
func escapeBBCode(s string) string {
	return strings.NewReplacer("[", "⟦", "]", "⟧").Replace(s)
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
	controlSet := p.controlSet
	var newDialogs []*dialog
	if len(p.dialogs) > 0 {
		newDialogs = p.dialogs
		p.dialogs = nil
	}
	p.mu.Unlock()
	if closeReq {
		return ebiten.Termination
	}
	// Ebiten may run Update more than once per Draw: keep the mark until a
	// Draw has shown the panel.
	p.uiDirty = p.uiChanged(len(pending) > 0 || status != p.status.Label || connected != p.connectedNow ||
		controlSet != p.control || len(newDialogs) > 0) || p.uiDirty
	for _, e := range pending {
		p.appendLine(e)
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
// widgets (game goroutine).
func (p *panel) updateWidgets() {
	if !p.dialogKeys() {
		p.ui.Update()
	}
}

// drawPanel draws the widgets and dialogs (game goroutine).
func (p *panel) drawPanel(screen *ebiten.Image) {
	p.ui.Draw(screen)
	p.uiDirty = false
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
		ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) || ebiten.IsMouseButtonPressed(ebiten.MouseButtonRight) ||
		inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) || inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonRight)
}
