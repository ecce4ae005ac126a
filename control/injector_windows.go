package control

import (
	"fmt"
	"sync"
	"unicode/utf16"
	"unsafe"
)

// sendInputInjector injects into the Windows desktop this process runs on,
// through SendInput: the pointer in absolute coordinates of the primary
// screen, keys by virtual-key code (with the scan code the layout gives
// it, for programs that read those), and text as KEYEVENTF_UNICODE
// characters, which reach a program as the characters themselves
// (WM_CHAR) whatever the keyboard layout, "é ß 日本" included. What
// SendInput injects is flagged LLKHF_INJECTED, which is how the ESC
// watcher tells the gate's Escape from the novice's.
//
// SendInput is refused by the desktop when a program of higher integrity
// (an administrator's window, the UAC prompt) has the focus: such input is
// dropped and SendInput returns 0, which Key, Text and the mouse report.
type sendInputInjector struct {
	mu     sync.Mutex // applies the calls one at a time, in order
	closed bool
}

// openInjector is NewInjector on Windows.
func openInjector(display string) (Injector, error) {
	if display != "" {
		return nil, fmt.Errorf("control: display %q: on Windows only the session's own desktop (\"\") can be controlled", display)
	}
	return &sendInputInjector{}, nil
}

// send hands events to SendInput, all or nothing.
func (i *sendInputInjector) send(what string, in ...input) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return errClosed
	}
	if len(in) == 0 {
		return nil
	}
	n, _, err := procSendInput.Call(uintptr(len(in)), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
	if int(n) != len(in) {
		return fmt.Errorf("control: injecting %s: SendInput took %d of %d events (another program may block input): %w", what, n, len(in), err)
	}
	return nil
}

// Move puts the pointer on pixel x, y of the primary screen. Absolute
// coordinates are in 65536ths of the screen; rounding up lands on the
// pixel itself, not the one before it.
func (i *sendInputInjector) Move(x, y int) error {
	w, h := screenSize()
	if w <= 0 || h <= 0 {
		return fmt.Errorf("control: the screen size is not known")
	}
	nx := (x*65536 + w - 1) / w
	ny := (y*65536 + h - 1) / h
	return i.send("a pointer move", mouseEvent(mouseInput{dx: int32(nx), dy: int32(ny), flags: mouseMove | mouseAbsolute}))
}

func (i *sendInputInjector) Button(button int, down bool) error {
	flags := map[int][2]uint32{1: {mouseLeftUp, mouseLeftDown}, 2: {mouseMiddleUp, mouseMiddleDown}, 3: {mouseRightUp, mouseRightDown}}
	f, ok := flags[button]
	if !ok {
		return fmt.Errorf("control: no mouse button %d", button)
	}
	d := 0
	if down {
		d = 1
	}
	return i.send("a mouse button", mouseEvent(mouseInput{flags: f[d]}))
}

// Scroll turns the wheels: Windows counts up (away from the user) and
// right as positive, in WHEEL_DELTA units a click.
func (i *sendInputInjector) Scroll(dx, dy int) error {
	var in []input
	if dy != 0 {
		in = append(in, mouseEvent(mouseInput{mouseData: uint32(int32(-dy * wheelDelta)), flags: mouseWheel}))
	}
	if dx != 0 {
		in = append(in, mouseEvent(mouseInput{mouseData: uint32(int32(dx * wheelDelta)), flags: mouseHWheel}))
	}
	return i.send("the wheel", in...)
}

// Key presses or releases the key of keysym name: a virtual key, or for a
// character the key that types it on the novice's layout (without the
// Shift or AltGr that VkKeyScanW says it needs: the helper's modifiers are
// keys of their own), or failing that the character itself.
func (i *sendInputInjector) Key(name string, down bool) error {
	ks, err := lookupKeysym(name)
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	k, r := keyOf(name, ks)
	var flags uint32
	if !down {
		flags = keyUp
	}
	if k.vk == 0 {
		if v, _, _ := procVkKeyScanW.Call(uintptr(r)); int16(v) != -1 && r <= 0xffff {
			k.vk = uint16(v & 0xff)
		}
	}
	if k.vk == 0 {
		in := unicodeKey(r, flags)
		return i.send("a key", in...)
	}
	if k.ext {
		flags |= keyExtended
	}
	scan, _, _ := procMapVirtualKeyW.Call(uintptr(k.vk), 0) // MAPVK_VK_TO_VSC
	return i.send("a key", keyEvent(keybdInput{vk: k.vk, scan: uint16(scan), flags: flags}))
}

// unicodeKey is r as KEYEVENTF_UNICODE events (two for a character beyond
// the BMP: a surrogate pair, as Windows types it).
func unicodeKey(r rune, flags uint32) []input {
	var in []input
	for _, u := range utf16.Encode([]rune{r}) {
		in = append(in, keyEvent(keybdInput{scan: u, flags: flags | keyUnicode}))
	}
	return in
}

// Text types s: each character pressed and released as KEYEVENTF_UNICODE,
// \n and \t as Return and Tab (programs expect those keys), in one
// SendInput so that nothing the novice types lands in between.
func (i *sendInputInjector) Text(s string) error {
	var in []input
	for _, r := range s {
		switch r {
		case '\n', '\t':
			vk := uint16(vkReturn)
			if r == '\t' {
				vk = vkTab
			}
			in = append(in, keyEvent(keybdInput{vk: vk}), keyEvent(keybdInput{vk: vk, flags: keyUp}))
		default:
			in = append(in, unicodeKey(r, 0)...)
			in = append(in, unicodeKey(r, keyUp)...)
		}
	}
	return i.send("text", in...)
}

func (i *sendInputInjector) ScreenSize() (w, h int) { return screenSize() }

// Close stops injecting; what the gate holds it releases before. It is
// idempotent.
func (i *sendInputInjector) Close() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.closed = true
	return nil
}
