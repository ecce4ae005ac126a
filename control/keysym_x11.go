//go:build !windows

package control

// #cgo LDFLAGS: -lX11
// #include <stdlib.h>
// #include <X11/Xlib.h>
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

var keysyms struct {
	mu    sync.Mutex        // serializes XStringToKeysym, whose first use of XKeysymDB is not thread-safe
	known map[string]uint32 // names that passed, at most the few thousand X knows
}

// lookupKeysym returns the keysym named name (an X keysym name as
// XStringToKeysym knows it: "Return", "a", "eacute", "U65E5", "XF86Copy")
// after checking it: 1..desktop.MaxKeyName bytes of [A-Za-z0-9_], not a numeric
// "0x…" spelling, known to X, and not denied.
func lookupKeysym(name string) (uint32, error) {
	if err := checkKeysymName(name); err != nil {
		return 0, err
	}
	keysyms.mu.Lock()
	defer keysyms.mu.Unlock()
	if ks, ok := keysyms.known[name]; ok {
		return ks, nil
	}
	cs := C.CString(name)
	ks := uint32(C.XStringToKeysym(cs))
	C.free(unsafe.Pointer(cs))
	if ks == noSymbol || ks > maxKeysym {
		return 0, fmt.Errorf("keysym %q: %w", name, errUnknownKey)
	}
	if err := checkDenied(name, ks); err != nil {
		return 0, err
	}
	if keysyms.known == nil {
		keysyms.known = make(map[string]uint32)
	}
	keysyms.known[name] = ks
	return ks, nil
}
