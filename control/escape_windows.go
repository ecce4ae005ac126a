package control

import (
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// escWatch is a low-level keyboard hook (WH_KEYBOARD_LL) on a locked OS
// thread of its own that pumps that thread's messages, as such a hook
// requires: Windows calls the hook on that thread for every key of every
// keyboard, before any program sees it. The hook drops every key flagged
// LLKHF_INJECTED (SendInput's, so the gate's own Escape never arrives; the
// gate's time window in WatchEscape then has nothing to do) and hands the
// novice's Escape presses and releases to next. Not safe for concurrent use.
type escWatch struct {
	events chan escEvent // presses and releases, from the hook
	tid    uint32        // the hook thread's ID
	done   chan struct{} // closed when the hook thread has ended
	err    error         // why the thread ended, read after done
}

// hookCallback is the one callback every hook calls (Windows allows a
// process a few thousand callbacks and never frees one); it finds the
// watcher by the thread it runs on.
var (
	hookOnce     sync.Once
	hookCallback uintptr
	hookWatchers sync.Map // thread ID → *escWatch
)

func openEscWatch(display string) (*escWatch, error) {
	if display != "" {
		return nil, fmt.Errorf("control: display %q: on Windows only the session's own keyboard (\"\") can be watched", display)
	}
	hookOnce.Do(func() { hookCallback = windows.NewCallback(lowLevelKeyboard) })
	w := &escWatch{events: make(chan escEvent, 64), done: make(chan struct{})}
	ready := make(chan error, 1)
	go w.run(ready)
	if err := <-ready; err != nil {
		<-w.done
		return nil, err
	}
	return w, nil
}

// run installs the hook and pumps messages until close posts WM_QUIT.
func (w *escWatch) run(ready chan<- error) {
	defer close(w.done)
	runtime.LockOSThread() // the hook belongs to this thread; the thread ends with the goroutine
	w.tid = windows.GetCurrentThreadId()
	var m msg
	// The first call of a message function gives the thread its queue,
	// which PostThreadMessageW (close) needs.
	procPeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, wmUser, wmUser, pmNoRemove)
	hookWatchers.Store(w.tid, w)
	defer hookWatchers.Delete(w.tid)
	hook, _, err := procSetWindowsHookExW.Call(whKeyboardLL, hookCallback, 0, 0)
	if hook == 0 {
		ready <- fmt.Errorf("control: installing the keyboard hook that watches for ESC: %w", err)
		return
	}
	defer procUnhookWindowsHook.Call(hook)
	ready <- nil
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		switch int32(r) {
		case 0: // WM_QUIT
			return
		case -1:
			w.err = fmt.Errorf("control: the keyboard hook's message loop failed: %w", err)
			return
		}
	}
}

// lowLevelKeyboard is the hook. It must return quickly (Windows drops a
// hook that keeps the keyboard waiting): it only queues the event.
func lowLevelKeyboard(code int32, wParam uintptr, k *kbdLLHook) uintptr {
	if code == hcAction && k.vkCode == vkEscape && k.flags&llkhfInjected == 0 {
		if v, ok := hookWatchers.Load(windows.GetCurrentThreadId()); ok {
			ev := escNone
			switch wParam {
			case wmKeyDown, wmSysKeyDown:
				ev = escPress
			case wmKeyUp, wmSysKeyUp:
				ev = escRelease
			}
			if ev != escNone {
				select {
				case v.(*escWatch).events <- ev:
				default: // 64 presses behind: the watcher will not miss that ESC was pressed
				}
			}
		}
	}
	r, _, _ := procCallNextHookEx.Call(0, uintptr(code), wParam, uintptr(unsafe.Pointer(k)))
	return r
}

// what names the watch in errors (after next said escBroken, with why).
func (w *escWatch) what() string {
	if w.err != nil {
		return "the keyboard hook (" + w.err.Error() + ")"
	}
	return "the keyboard hook"
}

// next waits up to timeoutMS for an Escape event. The keycode is always
// VK_ESCAPE: Windows has one.
func (w *escWatch) next(timeoutMS int) (ev escEvent, keycode int) {
	t := time.NewTimer(time.Duration(timeoutMS) * time.Millisecond)
	defer t.Stop()
	select {
	case ev := <-w.events:
		return ev, vkEscape
	case <-w.done:
		return escBroken, 0
	case <-t.C:
		return escNone, 0
	}
}

// close removes the hook and waits for its thread to end. The thread has
// its queue from run's first PeekMessageW on, so WM_QUIT reaches the loop;
// a thread that ended already has closed done.
func (w *escWatch) close() {
	procPostThreadMessageW.Call(uintptr(w.tid), wmQuit, 0, 0)
	<-w.done
}
