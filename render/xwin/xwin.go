// Package xwin finds the window of this process that Ebiten (GLFW) opened,
// by its _NET_WM_PID and title, for the packages that work beside the game
// window on X connections of their own: render/xpane draws the remote
// screen into a child of it, render/xkeys reads its key events. A leaf:
// it imports no other ra-p2p package.
package xwin

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Find looks for a viewable InputOutput window of this process
// (_NET_WM_PID) on conn's default screen, preferring one titled title; a
// window manager may have reparented it, so it looks three levels deep.
func Find(conn *xgb.Conn, title string) (xproto.Window, error) {
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	pidAtom, err := atom(conn, "_NET_WM_PID")
	if err != nil {
		return 0, err
	}
	nameAtom, err := atom(conn, "_NET_WM_NAME")
	if err != nil {
		return 0, err
	}
	pid := uint32(os.Getpid())
	var found []xproto.Window
	var walk func(w xproto.Window, depth int)
	walk = func(w xproto.Window, depth int) {
		tree, err := xproto.QueryTree(conn, w).Reply()
		if err != nil {
			return
		}
		for _, c := range tree.Children {
			prop, err := xproto.GetProperty(conn, false, c, pidAtom, xproto.AtomCardinal, 0, 1).Reply()
			if err == nil && prop.Format == 32 && len(prop.Value) >= 4 && binary.LittleEndian.Uint32(prop.Value) == pid {
				a, err := xproto.GetWindowAttributes(conn, c).Reply()
				if err == nil && a.MapState == xproto.MapStateViewable && a.Class == xproto.WindowClassInputOutput {
					found = append(found, c)
				}
			}
			if depth < 3 {
				walk(c, depth+1)
			}
		}
	}
	walk(root, 1)
	for _, w := range found {
		prop, err := xproto.GetProperty(conn, false, w, nameAtom, xproto.GetPropertyTypeAny, 0, 1024).Reply()
		if err == nil && string(prop.Value) == title {
			return w, nil
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return 0, fmt.Errorf("no window titled %q of this process is shown yet (%d candidates)", title, len(found))
}

func atom(conn *xgb.Conn, name string) (xproto.Atom, error) {
	r, err := xproto.InternAtom(conn, true, uint16(len(name)), name).Reply()
	if err != nil {
		return 0, fmt.Errorf("looking up atom %s: %w", name, err)
	}
	return r.Atom, nil
}
