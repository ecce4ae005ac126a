//go:build linux

package xdisplay

import (
	"encoding/binary"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// xdndVersion is the highest XDND version this source speaks (the
// freedesktop.org specification's last, which GLFW also implements).
const xdndVersion = 5

// dndStepTimeout bounds each wait for the target's answer: a window that
// draws on demand on a busy machine may take a while to read its events.
const dndStepTimeout = 15 * time.Second

// DropFiles drags paths (files or folders) onto window win and drops them
// at x,y (relative to win) as a file manager does, through the XDND
// protocol: the paths are offered as text/uri-list from a drag source
// window of its own, the target is told the drag entered and where it is,
// must accept a copy, is told of the drop, reads the list through the
// XdndSelection selection and says it finished. It fails the test, with
// the step that went wrong, if the window takes no drops, refuses this
// one, never asks for the list or never finishes.
func (d *Display) DropFiles(win string, x, y int, paths ...string) {
	d.tb.Helper()
	id, err := strconv.ParseUint(win, 10, 32)
	if err != nil {
		d.tb.Fatalf("window id %q: %v", win, err)
	}
	var uris strings.Builder
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			d.tb.Fatal(err)
		}
		// Without a host, as GIO's file managers write them (GLFW skips any
		// host); url.URL percent-encodes spaces, '%' and non-ASCII bytes.
		// text/uri-list (RFC 2483) ends every line with CRLF.
		uris.WriteString((&url.URL{Scheme: "file", Path: abs}).String() + "\r\n")
	}
	list := []byte(uris.String())

	c, atom := d.connWithAtoms()
	defer c.Close()
	var (
		xdndAware     = atom("XdndAware")
		xdndSelection = atom("XdndSelection")
		xdndEnter     = atom("XdndEnter")
		xdndPosition  = atom("XdndPosition")
		xdndStatus    = atom("XdndStatus")
		xdndLeave     = atom("XdndLeave")
		xdndDrop      = atom("XdndDrop")
		xdndFinished  = atom("XdndFinished")
		actionCopy    = atom("XdndActionCopy")
		uriList       = atom("text/uri-list")
		targets       = atom("TARGETS")
	)
	root := xproto.Setup(c).DefaultScreen(c).Root
	if len(list) > int(xproto.Setup(c).MaximumRequestLength)*4-64 {
		d.tb.Fatalf("dropping %d paths: their list (%d bytes) would need the INCR protocol, which DropFiles lacks", len(paths), len(list))
	}

	// The source talks to the top-level window: XdndAware belongs there,
	// not on its subwindows (spec, version 3 on), and a window manager
	// would have put a frame above it.
	target := xproto.Window(id)
	var aware *xproto.GetPropertyReply
	for {
		aware, err = xproto.GetProperty(c, false, target, xdndAware, xproto.AtomAtom, 0, 1).Reply()
		if err != nil {
			d.tb.Fatalf("reading XdndAware of window %d: %v", target, err)
		}
		if aware.Format == 32 && aware.ValueLen > 0 {
			break
		}
		tree, err := xproto.QueryTree(c, target).Reply()
		if err != nil {
			d.tb.Fatalf("finding the top-level window of %s: %v", win, err)
		}
		if tree.Parent == root || tree.Parent == 0 {
			d.tb.Fatalf("window %s (top level %d) has no XdndAware property: it takes no drops", win, target)
		}
		target = tree.Parent
	}
	// The version used is the lower of the two; the spec drops support
	// for targets below 3.
	version := min(xdndVersion, binary.LittleEndian.Uint32(aware.Value))
	if version < 3 {
		d.tb.Fatalf("window %s speaks XDND version %d; a source needs 3 or later", win, version)
	}
	at, err := xproto.TranslateCoordinates(c, xproto.Window(id), root, int16(x), int16(y)).Reply()
	if err != nil {
		d.tb.Fatalf("locating %d,%d of window %s: %v", x, y, win, err)
	}

	// Unmapped: it only sends and receives messages and owns the selection.
	src, err := xproto.NewWindowId(c)
	if err != nil {
		d.tb.Fatal(err)
	}
	if err := xproto.CreateWindowChecked(c, 0, src, root, -10, -10, 1, 1, 0,
		xproto.WindowClassInputOnly, 0, xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{1, xproto.EventMaskPropertyChange}).Check(); err != nil {
		d.tb.Fatalf("creating the drag source window: %v", err)
	}
	defer xproto.DestroyWindow(c, src)

	events := make(chan any, 16) // xgb.Event or xgb.Error
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			ev, xerr := c.WaitForEvent()
			if ev == nil && xerr == nil {
				return // the connection closed
			}
			var v any = ev
			if xerr != nil {
				v = xerr
			}
			select {
			case events <- v:
			case <-stop:
				return
			}
		}
	}()

	// A real drag has the time of the button press that began it: the
	// selection is owned from then, XdndPosition and XdndDrop carry it, and
	// the target converts the selection at the drop's time (GLFW does), so
	// a request from before the drag can be told apart. Without an input
	// event, a property change is how a client learns the server's time
	// (ICCCM 2.1).
	name := "ra-p2p test drag source"
	xproto.ChangeProperty(c, xproto.PropModeReplace, src, xproto.AtomWmName, xproto.AtomString, 8, uint32(len(name)), []byte(name))
	var now xproto.Timestamp
	deadline := time.After(dndStepTimeout)
	for now == 0 {
		select {
		case v := <-events:
			if ev, ok := v.(xproto.PropertyNotifyEvent); ok && ev.Window == src {
				now = ev.Time
			}
		case <-deadline:
			d.tb.Fatal("dropping files: no PropertyNotify to learn the server's time")
		}
	}
	xproto.SetSelectionOwner(c, src, xdndSelection, now)
	owner, err := xproto.GetSelectionOwner(c, xdndSelection).Reply()
	if err != nil || owner.Owner != src {
		d.tb.Fatalf("dropping files: could not own XdndSelection (%v)", err)
	}

	send := func(typ xproto.Atom, data ...uint32) {
		data = append(data, make([]uint32, 5-len(data))...)
		ev := xproto.ClientMessageEvent{Format: 32, Window: target, Type: typ,
			Data: xproto.ClientMessageDataUnionData32New(data)}
		// No event mask: the event goes to the client that made the window.
		if err := xproto.SendEventChecked(c, false, target, xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
			d.tb.Fatalf("dropping files: sending a message to window %s: %v", win, err)
		}
	}
	asked := 0
	// answer gives the target what it asks of the selection: the list, or
	// which types there are; anything else is refused (property None).
	answer := func(req xproto.SelectionRequestEvent) {
		prop := req.Property
		if prop == xproto.AtomNone { // an obsolete requestor (ICCCM 2.2)
			prop = req.Target
		}
		switch {
		case req.Selection != xdndSelection || (req.Time != 0 && req.Time < now):
			prop = xproto.AtomNone // not ours, or from before this drag
		case req.Target == uriList:
			xproto.ChangeProperty(c, xproto.PropModeReplace, req.Requestor, prop, uriList, 8, uint32(len(list)), list)
			asked++
		case req.Target == targets:
			types := make([]byte, 8)
			binary.LittleEndian.PutUint32(types, uint32(targets))
			binary.LittleEndian.PutUint32(types[4:], uint32(uriList))
			xproto.ChangeProperty(c, xproto.PropModeReplace, req.Requestor, prop, xproto.AtomAtom, 32, 2, types)
		default:
			prop = xproto.AtomNone
		}
		ev := xproto.SelectionNotifyEvent{Time: req.Time, Requestor: req.Requestor,
			Selection: req.Selection, Target: req.Target, Property: prop}
		xproto.SendEvent(c, false, req.Requestor, xproto.EventMaskNoEvent, string(ev.Bytes()))
	}
	// await returns the target's next message of type typ, answering its
	// selection requests meanwhile (a target may read the data before the
	// drop), or fails the test after dndStepTimeout saying what was awaited.
	await := func(typ xproto.Atom, what string) []uint32 {
		deadline := time.After(dndStepTimeout)
		for {
			select {
			case v := <-events:
				switch ev := v.(type) {
				case xproto.SelectionRequestEvent:
					answer(ev)
				case xproto.ClientMessageEvent:
					if ev.Type == typ && ev.Format == 32 && xproto.Window(ev.Data.Data32[0]) == target {
						return ev.Data.Data32
					}
				case xgb.Error:
					d.tb.Fatalf("dropping files onto window %s: X error while waiting for %s: %v", win, what, ev)
				}
			case <-deadline:
				if typ == xdndStatus {
					send(xdndLeave, uint32(src))
				}
				d.tb.Fatalf("dropping files onto window %s: no %s after %v", win, what, dndStepTimeout)
			}
		}
	}

	// One type fits in the message itself (l[2..4]); GLFW accepts only if
	// text/uri-list is among them, so no XdndTypeList is needed (bit 0 off).
	send(xdndEnter, uint32(src), version<<24, uint32(uriList))
	send(xdndPosition, uint32(src), 0, uint32(uint16(at.DstX))<<16|uint32(uint16(at.DstY)), uint32(now), uint32(actionCopy))
	status := await(xdndStatus, "XdndStatus (the answer to XdndPosition)")
	if status[1]&1 == 0 {
		send(xdndLeave, uint32(src))
		d.tb.Fatalf("dropping files onto window %s: it does not accept them (XdndStatus %#x)", win, status[1])
	}
	if a := xproto.Atom(status[4]); a != actionCopy && a != xproto.AtomNone {
		send(xdndLeave, uint32(src))
		d.tb.Fatalf("dropping files onto window %s: it accepts action %d, not XdndActionCopy", win, a)
	}
	send(xdndDrop, uint32(src), 0, uint32(now))
	finished := await(xdndFinished, "XdndFinished (the end of the drop)")
	if asked == 0 {
		d.tb.Fatalf("dropping files onto window %s: it finished without asking for the text/uri-list", win)
	}
	// Version 5 says in bit 0 of l[1] whether the drop worked, but GLFW
	// (so Ebiten) puts there how many bytes of the list it read: bit 0 is
	// off whenever that count is even. Only 0 means it failed there.
	if version >= 5 && finished[1] == 0 {
		d.tb.Fatalf("dropping files onto window %s: it says the drop failed (XdndFinished %#x)", win, finished[1])
	}
}
