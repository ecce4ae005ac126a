package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebitenui/ebitenui"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render/view"
	"github.com/ra-p2p/ra-p2p/render/xpane"
)

// Role says which side's window this is.
type Role int

const (
	Helper Role = iota // the remote desktop on the right, controls on the left
	Novice             // status, chat and the novice's own buttons
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

// Config describes a window. Callbacks run on the game goroutine: they must
// not block (hand work to another goroutine).
type Config struct {
	Role     Role
	Title    string
	PeerName string // the other side, e.g. "Alice"
	// Send sends a chat line; nil while there is no session.
	Send func(text string) error
	// Disconnect ends the session for both sides.
	Disconnect func()
	// PaneSize tells the screen sender how big the remote pane is, so frames
	// are scaled on the novice's side when that saves bandwidth. Helper only.
	PaneSize func(w, h int)
	// Size of the window at start (0 = 1280x800).
	Width, Height int

	// Helper: RequestControl asks the novice for control (nil: control is
	// not available, ControlUnavailable says why); ReleaseControl gives it
	// back; Input sends one event while in control.
	RequestControl     func()
	ReleaseControl     func()
	Input              func(desktop.Event)
	ControlUnavailable string
	// Novice: StopControl takes control back (the Stop Control button).
	StopControl func()
	// CheckNetwork says in plain sentences what this network allows for
	// direct connections (`ra-p2p check`); the Help page offers it. It runs
	// off the game goroutine and must end when ctx does. Nil: not offered.
	CheckNetwork func(ctx context.Context) string
}

// ErrClosed is returned by Run when the user closed the window.
var ErrClosed = errors.New("render: window closed")

// Window is a helper's or novice's window. Create with New, run with Run on
// the main goroutine; the other methods are safe from any goroutine.
type Window struct {
	cfg   Config
	style *style
	ui    *ebitenui.UI

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

	mu         sync.Mutex
	pending    []Entry
	statusTxt  string
	connected  bool
	dialogs    []*dialog
	closeReq   bool
	dirty      bool // something changed that Update must look at
	controlSet ControlState
	source     FrameSource
	xp         *xpane.Pane // the X child window drawing the remote screen, once open
	xpInfo     xpaneInfo   // the remote image's sizes as last seen
	frameMu    sync.Mutex  // one reader of source at a time: Latest recycles images
	xpWake     chan struct{}

	// game goroutine only
	view      view.View
	xpOn      bool // the X pane draws the remote screen
	remote    *ebiten.Image
	remoteVer uint64
	frame     desktop.View  // the last view taken from the source (cursor included)
	cursorImg *ebiten.Image // the remote pointer's shape
	cursorSrc *image.RGBA   // which shape cursorImg holds
	uploaded  []byte        // the pixels the remote texture holds, to upload only what changed
	tileBuf   []byte
	lastPane  image.Point
	lines     []string
	full      bool
	quitting  bool
	open      []*openDialog // the open dialogs, newest last

	// control (game goroutine)
	control      ControlState
	controlBtn   *widget.Button
	connectedNow bool
	remoteFocus  bool // the keyboard goes to the remote screen
	lastRemote   image.Point
	heldButtons  map[int]bool
	heldKeys     map[ebiten.Key]heldKey

	// redraw of the left panel (game goroutine): only when it may have changed
	uiDirty    bool
	lastCursor image.Point
	lastSize   image.Point
	frames     int
}

const leftWidth = 340

// New builds the window's widgets; nothing is shown until Run.
func New(cfg Config) (*Window, error) {
	st, err := newStyle()
	if err != nil {
		return nil, err
	}
	if cfg.Width == 0 {
		cfg.Width, cfg.Height = 1280, 800
	}
	w := &Window{cfg: cfg, style: st, statusTxt: "Connecting to " + cfg.PeerName + "…",
		heldButtons: map[int]bool{}, heldKeys: map[ebiten.Key]heldKey{}, xpWake: make(chan struct{}, 1)}
	w.bgCtx, w.bgCancel = context.WithCancel(context.Background())
	w.build()
	return w, nil
}

func (w *Window) build() {
	st := w.style
	w.status = st.newLabel("", st.face, st.text)
	w.status.MaxWidth = leftWidth - 24

	var buttons []widget.PreferredSizeLocateableWidget
	notYet := "Not available yet in this version of ra-p2p."
	if w.cfg.Role == Helper {
		reason := ""
		if w.cfg.RequestControl == nil {
			reason = w.cfg.ControlUnavailable
			if reason == "" {
				reason = notYet
			}
		}
		w.controlBtn = st.newButton("Take Control", w.onControlButton, reason)
		buttons = append(buttons,
			w.controlBtn,
			st.newButton("Send a File", nil, notYet),
			st.newButton("Start Talking", nil, notYet),
			st.newButton("Settings", nil, notYet),
			st.newButton("Actual size", func() { w.toggleActualSize() }, ""),
		)
	} else {
		w.controlBtn = st.newButton("Stop Control", func() {
			if w.cfg.StopControl != nil {
				w.cfg.StopControl()
			}
		}, "")
		w.controlBtn.GetWidget().Disabled = true
		buttons = append(buttons,
			w.controlBtn,
			st.newButton("Send a File", nil, notYet),
			st.newButton("Start Talking", nil, notYet),
		)
	}
	w.disc = st.newButton("Disconnect", w.onDisconnect, "")
	w.disc.GetWidget().Disabled = true
	buttons = append(buttons, w.disc, st.newButton("Help", w.openHelp, ""))
	grid := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(6, 6),
		widget.GridLayoutOpts.Stretch([]bool{true, true}, nil))))
	for _, b := range buttons {
		grid.AddChild(b)
	}

	w.history = widget.NewTextArea(
		widget.TextAreaOpts.ContainerOpts(widget.ContainerOpts.WidgetOpts(widget.WidgetOpts.MinSize(leftWidth-24, 100))),
		widget.TextAreaOpts.FontFace(&st.small),
		widget.TextAreaOpts.FontColor(st.text),
		widget.TextAreaOpts.ShowVerticalScrollbar(),
		widget.TextAreaOpts.VerticalScrollMode(widget.ScrollEnd),
		widget.TextAreaOpts.TextPadding(widget.Insets{Left: 6, Right: 6, Top: 4, Bottom: 4}),
		widget.TextAreaOpts.ProcessBBCode(true),
		widget.TextAreaOpts.ScrollContainerImage(&widget.ScrollContainerImage{Idle: st.input.Idle, Disabled: st.input.Disabled, Mask: st.input.Idle}),
		widget.TextAreaOpts.SliderParams(&widget.SliderParams{
			TrackImage:  &widget.SliderTrackImage{Idle: st.panel, Hover: st.panel},
			HandleImage: st.button,
		}),
	)

	w.input = widget.NewTextInput(
		widget.TextInputOpts.Image(st.input),
		widget.TextInputOpts.Face(&st.face),
		widget.TextInputOpts.Color(st.inputColor),
		widget.TextInputOpts.Padding(widget.NewInsetsSimple(6)),
		widget.TextInputOpts.Placeholder("Type a message"),
		widget.TextInputOpts.ClearOnSubmit(true),
		widget.TextInputOpts.IgnoreEmptySubmit(true),
		widget.TextInputOpts.AllowDuplicateSubmit(true),
		widget.TextInputOpts.SubmitHandler(func(a *widget.TextInputChangedEventArgs) { w.sendLine(a.InputText) }),
	)
	w.send = st.newButton("Send", func() {
		w.sendLine(w.input.GetText())
		w.input.SetText("")
	}, "")
	entry := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2), widget.GridLayoutOpts.Spacing(6, 0),
		widget.GridLayoutOpts.Stretch([]bool{true, false}, []bool{true}))))
	entry.AddChild(w.input, w.send)
	w.setConnectedLocked(false)

	w.left = widget.NewContainer(
		widget.ContainerOpts.BackgroundImage(st.panel),
		widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Spacing(0, 10),
			widget.GridLayoutOpts.Padding(widget.NewInsetsSimple(12)),
			widget.GridLayoutOpts.Stretch([]bool{true}, []bool{false, false, false, true, false}))),
	)
	chatTitle := st.newLabel("Chat history", st.small, st.dim)
	w.left.AddChild(w.status, grid, chatTitle, w.history, entry)

	var root *widget.Container
	if w.cfg.Role == Helper {
		root = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(2),
			widget.GridLayoutOpts.Stretch([]bool{false, true}, []bool{true}))))
		w.left.GetWidget().MinWidth = leftWidth
		w.left.GetWidget().LayoutData = widget.GridLayoutData{MaxWidth: leftWidth}
		root.AddChild(w.left, widget.NewContainer())
	} else {
		root = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
			widget.GridLayoutOpts.Columns(1), widget.GridLayoutOpts.Stretch([]bool{true}, []bool{true}))))
		root.AddChild(w.left)
	}
	w.ui = &ebitenui.UI{Container: root}
}

// Run opens the window and runs until the user closes it (ErrClosed) or
// Close is called (nil). It must be called on the main goroutine.
func (w *Window) Run() error {
	ebiten.SetWindowTitle(w.cfg.Title)
	ebiten.SetWindowSize(w.cfg.Width, w.cfg.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
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
	var loops sync.WaitGroup
	defer func() { close(stop); loops.Wait(); w.bgCancel(); w.bg.Wait() }()
	loops.Go(func() { w.wakeLoop(stop) })
	if w.cfg.Role == Helper && os.Getenv("RA_P2P_PANE") != "gl" {
		loops.Go(func() { w.xpaneLoop(stop) })
	}
	err := ebiten.RunGame(w)
	if errors.Is(err, ebiten.Termination) || err == nil {
		if w.quitting {
			return ErrClosed
		}
		return nil
	}
	return err
}

func (w *Window) wakeLoop(stop <-chan struct{}) {
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
			w.mu.Lock()
			waiting := w.dirty
			w.mu.Unlock()
			if waiting {
				ebiten.ScheduleFrame()
			}
		}
	}
}

// update changes the window's shared state from any goroutine and wakes
// the window to show it.
func (w *Window) update(change func()) {
	w.mu.Lock()
	change()
	w.dirty = true
	w.mu.Unlock()
	ebiten.ScheduleFrame()
}

// Close ends Run from any goroutine.
func (w *Window) Close() { w.update(func() { w.closeReq = true }) }

// SetStatus changes the status line.
func (w *Window) SetStatus(s string) { w.update(func() { w.statusTxt = s }) }

// Post adds an entry to the history.
func (w *Window) Post(e Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	w.update(func() { w.pending = append(w.pending, e) })
}

// SetConnected enables or disables the chat entry and Disconnect.
func (w *Window) SetConnected(on bool) { w.update(func() { w.connected = on }) }

// SetSource sets where the remote screen comes from (nil: none).
func (w *Window) SetSource(src FrameSource) { w.update(func() { w.source = src }) }

// Refresh wakes the window, e.g. when a new frame arrived.
func (w *Window) Refresh() { w.update(func() {}) }

func (w *Window) setConnectedLocked(on bool) {
	w.input.GetWidget().Disabled = !on
	w.send.GetWidget().Disabled = !on
	w.disc.GetWidget().Disabled = !on
}

func (w *Window) sendLine(s string) {
	s = strings.TrimSpace(s)
	if s == "" || w.cfg.Send == nil {
		return
	}
	if err := w.cfg.Send(s); err != nil {
		w.appendLine(Entry{Time: time.Now(), Text: "Your message was not sent: " + err.Error()})
		return
	}
	w.appendLine(Entry{Time: time.Now(), From: "You", Text: s})
}

func (w *Window) onDisconnect() {
	if w.cfg.Disconnect != nil {
		w.cfg.Disconnect()
	}
}

// appendLine runs on the game goroutine.
func (w *Window) appendLine(e Entry) {
	ts := e.Time.Format("15:04")
	var line string
	text := escapeBBCode(e.Text)
	if e.From != "" {
		line = fmt.Sprintf("[color=#6b7280]%s[/color] [color=#1d4ed8]%s:[/color] %s", ts, escapeBBCode(e.From), text)
	} else {
		line = fmt.Sprintf("[color=#6b7280]%s %s[/color]", ts, text)
	}
	w.lines = append(w.lines, line)
	if len(w.lines) > 500 {
		w.lines = w.lines[len(w.lines)-500:]
	}
	w.history.SetText(strings.Join(w.lines, "\n"))
}

// escapeBBCode keeps peer text from being read as markup.
func escapeBBCode(s string) string {
	return strings.NewReplacer("[", "⟦", "]", "⟧").Replace(s)
}

// Layout implements ebiten.Game.
func (w *Window) Layout(outsideWidth, outsideHeight int) (int, int) {
	return outsideWidth, outsideHeight
}

// Update implements ebiten.Game.
func (w *Window) Update() error {
	w.mu.Lock()
	w.dirty = false // everything waiting is taken now; wakeLoop need not ask again
	pending := w.pending
	w.pending = nil
	status := w.statusTxt
	connected := w.connected
	closeReq := w.closeReq
	controlSet := w.controlSet
	var newDialogs []*dialog
	if len(w.dialogs) > 0 {
		newDialogs = w.dialogs
		w.dialogs = nil
	}
	w.mu.Unlock()
	if closeReq {
		return ebiten.Termination
	}
	// Ebiten may run Update more than once per Draw: keep the mark until a
	// Draw has shown the panel.
	w.uiDirty = w.uiChanged(len(pending) > 0 || status != w.status.Label || connected != w.connectedNow ||
		controlSet != w.control || len(newDialogs) > 0) || w.uiDirty
	for _, e := range pending {
		w.appendLine(e)
	}
	if w.status.Label != status {
		w.status.Label = status
		w.left.RequestRelayout()
	}
	w.setConnectedLocked(connected)
	if connected != w.connectedNow || controlSet != w.control {
		w.connectedNow = connected
		w.control = controlSet
		if !connected {
			w.control = ControlOff
		}
		w.applyControl()
	}
	for _, d := range newDialogs {
		w.showDialog(d)
	}
	if ebiten.IsWindowBeingClosed() && !w.quitting {
		if !connected {
			w.quitting = true
			return ebiten.Termination
		}
		w.showDialog(w.closeDialog())
	}
	if w.cfg.Role == Helper && inpututil.IsKeyJustPressed(ebiten.KeyF11) {
		w.full = !w.full
	}
	if w.full {
		if w.control != ControlOn && inpututil.IsKeyJustPressed(ebiten.KeyEscape) {
			w.full = false
		}
		w.updatePane()
		w.captureInput()
		return nil
	}
	if !w.dialogKeys() {
		w.ui.Update()
	}
	if w.cfg.Role == Helper {
		w.updatePane()
		if len(w.open) == 0 {
			w.captureInput()
		}
	}
	return nil
}

func (w *Window) closeDialog() *dialog {
	name := w.cfg.PeerName
	return &dialog{
		text:    fmt.Sprintf("End the session with %s?", name),
		yes:     "End session",
		no:      "Cancel",
		answers: make(chan string, 1),
		onAnswer: func(yes bool) {
			if yes {
				w.onDisconnect()
				w.quitting = true
				w.Close()
			}
		},
	}
}

// Draw implements ebiten.Game.
func (w *Window) Draw(screen *ebiten.Image) {
	if w.full {
		if !w.xpOn {
			screen.Fill(w.style.pane)
			w.drawRemote(screen)
		}
		return
	}
	if w.cfg.Role == Helper && !w.xpOn {
		w.drawRemote(screen) // first: dialogs and tooltips go over it
	}
	// The screen is not cleared between frames, so when only the remote
	// screen changed the panel drawn last time is still there: redrawing it
	// through software GL for every remote update cost most of the viewer's
	// CPU in the latency benchmark.
	if w.uiDirty || w.cfg.Role != Helper {
		w.ui.Draw(screen)
		w.uiDirty = false
	}
}

// uiChanged says whether the left panel or a dialog may look different this
// frame: new state, any input, a resize, an open dialog, the first frames.
func (w *Window) uiChanged(stateChanged bool) bool {
	w.frames++
	cursor := image.Pt(ebiten.CursorPosition())
	size := image.Pt(ebiten.WindowSize())
	moved := cursor != w.lastCursor || size != w.lastSize
	w.lastCursor, w.lastSize = cursor, size
	dx, dy := ebiten.Wheel()
	return stateChanged || moved || w.frames < 10 || len(w.open) > 0 || dx != 0 || dy != 0 ||
		len(inpututil.AppendPressedKeys(nil)) > 0 || len(inpututil.AppendJustReleasedKeys(nil)) > 0 ||
		ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) || ebiten.IsMouseButtonPressed(ebiten.MouseButtonRight) ||
		inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) || inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonRight)
}
