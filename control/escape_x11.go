//go:build !windows

package control

/*
#cgo LDFLAGS: -lX11 -lXi
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>
#include <X11/extensions/XInput2.h>

// One connection that receives XInput2 raw key events from the root window:
// every key press and release of every keyboard (XTEST's included), before
// any grab or focus decides where the key goes.
typedef struct {
	Display *dpy;
	int xi;                 // XInputExtension major opcode
	volatile int dead;      // the connection to the X server broke
	unsigned char esc[32];  // bit per keycode: carries Escape
} escWatch;

// Xlib's default I/O error handler exits the process. Ours returns for our
// own connections (the watcher then reports the error) and hands every
// other connection to the handler that was there before.
static pthread_mutex_t escMu = PTHREAD_MUTEX_INITIALIZER;
static escWatch *escAll[16];
static XIOErrorHandler escPrev;
static int escInstalled;

static int escIOError(Display *dpy) {
	escWatch *w = NULL;
	pthread_mutex_lock(&escMu);
	for (int i = 0; i < 16; i++) {
		if (escAll[i] && escAll[i]->dpy == dpy) w = escAll[i];
	}
	pthread_mutex_unlock(&escMu);
	if (w) {
		w->dead = 1;
		return 0;
	}
	return escPrev ? escPrev(dpy) : 0;
}

static void escExit(Display *dpy, void *data) {
	((escWatch *)data)->dead = 1; // and do not exit
}

static int escRegister(escWatch *w) {
	int ok = 0;
	pthread_mutex_lock(&escMu);
	if (!escInstalled) {
		escPrev = XSetIOErrorHandler(escIOError);
		escInstalled = 1;
	}
	for (int i = 0; i < 16 && !ok; i++) {
		if (!escAll[i]) { escAll[i] = w; ok = 1; }
	}
	pthread_mutex_unlock(&escMu);
	return ok;
}

static void escUnregister(escWatch *w) {
	pthread_mutex_lock(&escMu);
	for (int i = 0; i < 16; i++) {
		if (escAll[i] == w) escAll[i] = NULL;
	}
	pthread_mutex_unlock(&escMu);
}

// escKeycodes finds the keycodes that carry Escape in any column.
static void escKeycodes(escWatch *w) {
	int min, max, per;
	memset(w->esc, 0, sizeof w->esc);
	XDisplayKeycodes(w->dpy, &min, &max);
	KeySym *syms = XGetKeyboardMapping(w->dpy, min, max - min + 1, &per);
	if (!syms) return;
	for (int kc = min; kc <= max; kc++) {
		for (int c = 0; c < per; c++) {
			if (syms[(kc - min) * per + c] == XK_Escape) w->esc[kc / 8] |= 1 << (kc % 8);
		}
	}
	XFree(syms);
}

// escOpen returns NULL and sets *why: 1 the display cannot be opened,
// 2 no XInput extension, 3 no XInput 2, 4 too many watchers.
static escWatch *escOpen(const char *name, int *why) {
	escWatch *w = calloc(1, sizeof *w);
	if (!w) { *why = 4; return NULL; }
	// Registered before the connection exists, so a broken connection never exits the process.
	if (!escRegister(w)) { free(w); *why = 4; return NULL; }
	w->dpy = XOpenDisplay(name);
	if (!w->dpy) { escUnregister(w); free(w); *why = 1; return NULL; }
	XSetIOErrorExitHandler(w->dpy, escExit, w);
	int ev, err;
	if (!XQueryExtension(w->dpy, "XInputExtension", &w->xi, &ev, &err)) {
		XCloseDisplay(w->dpy); escUnregister(w); free(w); *why = 2; return NULL;
	}
	// 2.2 is asked for; from 2.1 on, raw events reach the root window even
	// while another client grabs the keyboard.
	int major = 2, minor = 2;
	if (XIQueryVersion(w->dpy, &major, &minor) != Success || major < 2) {
		XCloseDisplay(w->dpy); escUnregister(w); free(w); *why = 3; return NULL;
	}
	unsigned char mask[XIMaskLen(XI_LASTEVENT)];
	memset(mask, 0, sizeof mask);
	XISetMask(mask, XI_RawKeyPress);
	XISetMask(mask, XI_RawKeyRelease);
	XIEventMask m;
	m.deviceid = XIAllMasterDevices; // once per key event, with the master keyboard's id
	m.mask_len = sizeof mask;
	m.mask = mask;
	XISelectEvents(w->dpy, DefaultRootWindow(w->dpy), &m, 1);
	escKeycodes(w);
	XSync(w->dpy, False);
	return w;
}

// escNext waits up to timeout ms for an event. It returns -1 when the
// connection broke, 0 on timeout, 1 for an Escape press, 2 for an Escape
// release (*keycode says which key) and 3 when the keyboard map changed
// (the Escape keycodes were found again).
static int escNext(escWatch *w, int timeout, int *keycode) {
	for (;;) {
		if (w->dead) return -1;
		while (XPending(w->dpy) > 0) {
			XEvent ev;
			XNextEvent(w->dpy, &ev);
			if (w->dead) return -1;
			if (ev.type == MappingNotify) {
				XRefreshKeyboardMapping(&ev.xmapping);
				if (ev.xmapping.request == MappingKeyboard) {
					escKeycodes(w);
					return 3;
				}
				continue;
			}
			if (ev.xcookie.type != GenericEvent || ev.xcookie.extension != w->xi) continue;
			if (!XGetEventData(w->dpy, &ev.xcookie)) continue;
			int type = ev.xcookie.evtype;
			int kc = ((XIRawEvent *)ev.xcookie.data)->detail;
			XFreeEventData(w->dpy, &ev.xcookie);
			if (kc < 0 || kc > 255 || !(w->esc[kc / 8] & (1 << (kc % 8)))) continue;
			*keycode = kc;
			if (type == XI_RawKeyPress) return 1;
			if (type == XI_RawKeyRelease) return 2;
		}
		if (w->dead) return -1;
		struct pollfd p = { ConnectionNumber(w->dpy), POLLIN, 0 };
		int r = poll(&p, 1, timeout);
		if (r == 0) return 0;
		if (r < 0) continue; // EINTR: Go's signals
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			XPending(w->dpy); // lets Xlib see the broken connection
			if (w->dead) return -1;
		}
		timeout = 0; // data arrived: read it, then come back
	}
}

static void escClose(escWatch *w) {
	// After an I/O error Xlib must not be used again, not even to close.
	if (!w->dead) XCloseDisplay(w->dpy);
	escUnregister(w);
	free(w);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"unsafe"
)

// escWatch is an X connection that reports Escape presses and releases
// from every keyboard (XInput2 raw events). Not safe for concurrent use.
type escWatch struct {
	w       *C.escWatch
	display string
}

// what names the watch in errors.
func (e *escWatch) what() string { return "the connection to X display " + e.display }

func openEscWatch(display string) (*escWatch, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil, fmt.Errorf("control: no X display to watch for ESC: DISPLAY is not set")
	}
	name := C.CString(display)
	defer C.free(unsafe.Pointer(name))
	var why C.int
	w := C.escOpen(name, &why)
	if w == nil {
		switch why {
		case 1:
			return nil, fmt.Errorf("control: cannot open X display %s to watch for ESC", display)
		case 2, 3:
			return nil, fmt.Errorf("control: X display %s has no XInput 2, which watching for ESC needs", display)
		}
		return nil, errors.New("control: too many ESC watchers")
	}
	return &escWatch{w: w, display: display}, nil
}

// next waits up to timeoutMS for an Escape event.
func (e *escWatch) next(timeoutMS int) (ev escEvent, keycode int) {
	var kc C.int
	r := C.escNext(e.w, C.int(timeoutMS), &kc)
	return escEvent(r), int(kc)
}

func (e *escWatch) close() { C.escClose(e.w) }
