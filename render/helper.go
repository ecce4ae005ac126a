package render

import (
	"image"
	"sync"

	"github.com/ebitenui/ebitenui"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render/form"
	"github.com/ra-p2p/ra-p2p/render/view"
	"github.com/ra-p2p/ra-p2p/render/xpane"
)

// HelperConfig describes the helper's window.
type HelperConfig struct {
	Config
	// PaneSize tells the screen sender how big the remote pane is, so frames
	// are scaled on the novice's side when that saves bandwidth.
	PaneSize func(w, h int)
	// RequestControl asks the novice for control (nil: control is not
	// available, ControlUnavailable says why); ReleaseControl gives it
	// back; Input sends one event while in control.
	RequestControl     func()
	ReleaseControl     func()
	Input              func(desktop.Event)
	ControlUnavailable string
	// GLPane draws the remote screen with OpenGL even where the X pane
	// could (for comparison; RA_P2P_PANE=gl).
	GLPane bool
	// Settings is the Settings dialog as it first opens (the choice in
	// force); ApplySettings gets the person's new choice when they press
	// OK having changed something (game goroutine: it must not block).
	// Nil ApplySettings: the Settings button is disabled.
	Settings      form.Form
	ApplySettings func(form.Form)
	// ConnectionLine says how the link is doing (round trip, rate, frames
	// a second, what Automatic does), for the line F2 shows; asked once a
	// second on a goroutine of the window's while the line is shown. Nil:
	// F2 does nothing.
	ConnectionLine func() string
}

// HelperWindow is the helper's Remote Assistance window: the novice's
// screen in the pane on the right (and over the whole window with F11),
// the left panel with Take Control. Create with NewHelper, run with Run on
// the main goroutine; the other exported methods are safe from any
// goroutine.
type HelperWindow struct {
	*panel
	cfg HelperConfig // hides panel.cfg; its Config holds the same values

	controlBtn  *widget.Button // Take Control / Release Control
	actualBtn   *widget.Button // Actual size
	settingsBtn *widget.Button // Settings

	// guarded by panel.mu
	source FrameSource
	xp     *xpane.Pane // the X child window drawing the remote screen, once open
	xpInfo xpaneInfo   // the remote image's sizes as last seen

	frameMu sync.Mutex // one reader of source at a time: Latest recycles images
	xpWake  chan struct{}
	connAsk chan struct{} // 1 slot: connLineLoop asks now

	// guarded by panel.mu: the connection line (connline.go)
	connShown bool
	connText  string
	// game goroutine only
	connLabel *widget.Text

	// game goroutine only
	view      view.View
	xpOn      bool // the X pane draws the remote screen
	remote    *ebiten.Image
	remoteVer uint64        // the version remote holds; 0: none, upload it whole
	remoteSrc FrameSource   // the source remoteVer counts in
	frame     desktop.View  // the last view taken from the source (cursor included)
	cursorImg *ebiten.Image // the remote pointer's shape
	cursorSrc *image.RGBA   // which shape cursorImg holds
	tileBuf   []byte        // a cell's pixels on their way to the texture
	lastPane  image.Point
	settings  form.Form // the choice in force, as the Settings dialog shows it
	full      bool
	ended     bool // the session ended: the last frame is shown dimmed, "Disconnected"

	// control (game goroutine)
	remoteFocus bool // the keyboard goes to the remote screen
	lastRemote  image.Point
	heldButtons map[int]bool
	heldKeys    map[int]heldKey // by typed.key
}

// The remote pane's least size, in window pixels.
const paneMinWidth, paneMinHeight = 320, 240

// NewHelper builds the helper's window; nothing is shown until Run.
func NewHelper(cfg HelperConfig) (*HelperWindow, error) {
	p, err := newPanel(&cfg.Config, helperHelp(cfg.PeerName))
	if err != nil {
		return nil, err
	}
	w := &HelperWindow{panel: p, cfg: cfg, settings: cfg.Settings.Clone(),
		heldButtons: map[int]bool{}, heldKeys: map[int]heldKey{}, xpWake: make(chan struct{}, 1), connAsk: make(chan struct{}, 1)}
	p.controlChanged = w.applyControl
	st := p.style
	reason := ""
	if cfg.RequestControl == nil {
		reason = cfg.ControlUnavailable
		if reason == "" {
			reason = notYet
		}
	}
	w.controlBtn = st.newButton("Take Control", w.onControlButton, reason)
	w.actualBtn = st.newButton("Actual size", func() { w.toggleActualSize() }, "")
	reason = ""
	if cfg.ApplySettings == nil {
		reason = notYet
	}
	w.settingsBtn = st.newButton("Settings", w.openSettings, reason)
	talk := p.newVoiceControls()
	p.buildPanel(
		w.controlBtn,
		p.newSendFileButton(),
		talk,
		w.settingsBtn,
		w.actualBtn,
	)
	w.applyControl() // not connected yet: they are disabled until the session starts
	root := widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(2),
		widget.GridLayoutOpts.Stretch([]bool{false, true}, []bool{true}))))
	p.left.GetWidget().MinWidth = leftWidth
	p.left.GetWidget().LayoutData = widget.GridLayoutData{MaxWidth: leftWidth}
	// The pane's least size counts in the window's minimum size.
	root.AddChild(p.left, widget.NewContainer(widget.ContainerOpts.WidgetOpts(widget.WidgetOpts.MinSize(paneMinWidth, paneMinHeight))))
	p.ui = &ebitenui.UI{Container: root}
	// The pane's size at the size the window opens with, told now: the
	// screen stream can open before the window's first frame (on a fast
	// link, before the window is even shown), and without a size the first
	// picture comes whole, at the novice's full size, to be thrown away a
	// moment later for a smaller one (and its buffers, at that size, kept
	// by the heap). The first frame corrects it if the window came out
	// another size.
	if cfg.PaneSize != nil {
		w.lastPane = image.Pt(max(w.cfg.Width-leftWidth, paneMinWidth), max(w.cfg.Height, paneMinHeight))
		cfg.PaneSize(w.lastPane.X, w.lastPane.Y)
	}
	return w, nil
}

// helperHelp is the helper's help page; peer names the novice.
func helperHelp(peer string) string {
	return "How Remote Assistance works\n\n" +
		"• The right side shows " + peer + "'s screen, live. Press F11 to show it over the whole window, 1:1 (F11 or ESC again to come back); \"Actual size\" shows it at 100% with scrolling. F2 shows (and hides) a line about the connection: round trip, rate, frames a second and what Automatic is doing.\n" +
		"• Chat: type in the box at the bottom left and press ENTER or Send; Ctrl+V pastes into the box. Click a message in the history to select it (Shift+click selects several) and press Ctrl+C to copy it; Ctrl+C in the box copies its selection or else " + peer + "'s last message. The history also records changes such as \"Connected to …\".\n" +
		"• Take Control asks " + peer + " to let you use the mouse and keyboard over the screen on the right. Once allowed, click in the screen to type there; click in the chat box to type a message. Release Control gives it back.\n" +
		"• " + peer + " can take control back at any moment by pressing ESC on their keyboard.\n" +
		"• Send a File sends files or folders to " + peer + ", who is asked first; dropping them onto this window does the same. Each transfer shows a bar with Cancel; " + peer + "'s files come to you the same way, and the history says where they were saved (Open the folder).\n" +
		"• Settings chooses how " + peer + "'s screen comes to you: Best quality (every pixel exact), Balanced, Fastest (for a slow connection) or your own frame rate, colours, size and photo quality. OK applies it at once, and it is kept for your next session. When you can talk, Settings also chooses your microphone and speaker for the next call.\n" +
		"• Start Talking asks " + peer + " to talk with you, through the microphones and speakers of both computers; once " + peer + " allows it the button says Stop Talking, Mute silences your microphone, and the meters show that the microphones work (yours, and what " + peer + "'s speaker plays). Either of you can stop at any time. Headphones are best; an echo canceller keeps laptop speakers from sending " + peer + "'s voice back.\n" +
		"• Disconnect (or closing the window) ends the session for both of you."
}

// Run opens the window and runs until the user closes it (ErrClosed) or
// Close is called (nil). It must be called on the main goroutine.
func (w *HelperWindow) Run() error {
	var loops []func(stop <-chan struct{})
	if !w.cfg.GLPane && x11Window {
		loops = append(loops, w.xpaneLoop)
	}
	if w.cfg.ConnectionLine != nil {
		loops = append(loops, w.connLineLoop)
	}
	tightenHeap()
	return w.run(w, loops...)
}

// SetSource sets where the remote screen comes from (nil: none).
func (w *HelperWindow) SetSource(src FrameSource) { w.update(func() { w.source = src }) }

// Refresh wakes the window, e.g. when a new frame arrived.
func (w *HelperWindow) Refresh() { w.update(func() {}) }

// Update implements ebiten.Game: the panel, then the pane (F11 shows it
// over the whole window) and the input sent while in control.
func (w *HelperWindow) Update() error {
	if err := w.updatePanel(); err != nil {
		return err
	}
	// Keys read while a dialog is open or outside control are dropped.
	keys, fromX := w.takeKeys()
	w.connLineKey()
	w.mu.Lock()
	connText := w.connText
	w.mu.Unlock()
	w.setConnLine(connText)
	if inpututil.IsKeyJustPressed(ebiten.KeyF11) {
		w.full = !w.full
	}
	if w.full {
		if w.control != ControlOn && inpututil.IsKeyJustPressed(ebiten.KeyEscape) {
			w.full = false
		}
		w.updatePane()
		w.captureInput(keys, fromX)
		return nil
	}
	w.updateWidgets(keys, fromX)
	w.updatePane()
	if len(w.open) == 0 {
		w.captureInput(keys, fromX)
	}
	return nil
}

// Draw implements ebiten.Game.
func (w *HelperWindow) Draw(screen *ebiten.Image) {
	if w.full {
		if !w.xpOn {
			screen.Fill(w.style.pane)
			w.drawRemote(screen)
		}
		return
	}
	if !w.xpOn {
		w.drawRemote(screen) // first: dialogs and tooltips go over it
	}
	// The screen is not cleared between frames, so when only the remote
	// screen changed the panel drawn last time is still there: redrawing it
	// through software GL for every remote update cost most of the viewer's
	// CPU in the latency benchmark.
	if w.uiDirty {
		w.drawPanel(screen, w.widgetsTarget(screen))
	}
}

// widgetsTarget is the part of screen the widgets draw on: the left panel
// (dialogs are drawn over the whole window: panel.drawPanel). The chat
// history and the chat box each keep two images the size of what they are
// given, for clipping (ebitenui's MaskedRenderBuffer); given the whole
// window they held 48 MB of textures at 1280x800. The panel starts at the
// window's origin, so its part of the screen has the window's coordinates
// and the widgets' clicks and places stay as they are; a tooltip is kept
// within the panel, where the X pane does not cover it.
func (w *HelperWindow) widgetsTarget(screen *ebiten.Image) *ebiten.Image {
	b := screen.Bounds()
	if b.Dx() <= leftWidth {
		return screen
	}
	return screen.SubImage(image.Rect(0, 0, leftWidth, b.Dy())).(*ebiten.Image)
}
