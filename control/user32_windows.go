package control

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// The user32 calls of injection and of the ESC watcher, loaded when first
// called (the Windows build has no cgo).
var (
	user32 = windows.NewLazySystemDLL("user32.dll")

	procSendInput          = user32.NewProc("SendInput")
	procVkKeyScanW         = user32.NewProc("VkKeyScanW")
	procMapVirtualKeyW     = user32.NewProc("MapVirtualKeyW")
	procGetSystemMetrics   = user32.NewProc("GetSystemMetrics")
	procSetWindowsHookExW  = user32.NewProc("SetWindowsHookExW")
	procUnhookWindowsHook  = user32.NewProc("UnhookWindowsHookEx")
	procCallNextHookEx     = user32.NewProc("CallNextHookEx")
	procGetMessageW        = user32.NewProc("GetMessageW")
	procPeekMessageW       = user32.NewProc("PeekMessageW")
	procPostThreadMessageW = user32.NewProc("PostThreadMessageW")
)

const (
	inputMouse    = 0 // INPUT_MOUSE
	inputKeyboard = 1 // INPUT_KEYBOARD

	mouseMove       = 0x0001 // MOUSEEVENTF_MOVE
	mouseLeftDown   = 0x0002
	mouseLeftUp     = 0x0004
	mouseRightDown  = 0x0008
	mouseRightUp    = 0x0010
	mouseMiddleDown = 0x0020
	mouseMiddleUp   = 0x0040
	mouseWheel      = 0x0800 // MOUSEEVENTF_WHEEL
	mouseHWheel     = 0x1000 // MOUSEEVENTF_HWHEEL
	mouseAbsolute   = 0x8000 // MOUSEEVENTF_ABSOLUTE
	wheelDelta      = 120    // WHEEL_DELTA: one click

	keyExtended = 0x0001 // KEYEVENTF_EXTENDEDKEY
	keyUp       = 0x0002 // KEYEVENTF_KEYUP
	keyUnicode  = 0x0004 // KEYEVENTF_UNICODE

	vkReturn = 0x0d
	vkTab    = 0x09
	vkEscape = 0x1b

	smCXScreen = 0
	smCYScreen = 1

	whKeyboardLL  = 13     // WH_KEYBOARD_LL
	hcAction      = 0      // HC_ACTION
	llkhfInjected = 0x10   // LLKHF_INJECTED
	wmKeyDown     = 0x0100 // WM_KEYDOWN
	wmKeyUp       = 0x0101
	wmSysKeyDown  = 0x0104
	wmSysKeyUp    = 0x0105
	wmQuit        = 0x0012
	wmUser        = 0x0400
	pmNoRemove    = 0
)

// mouseInput is MOUSEINPUT, the largest member of INPUT's union.
type mouseInput struct {
	dx, dy    int32
	mouseData uint32
	flags     uint32
	time      uint32
	extra     uintptr
}

// keybdInput is KEYBDINPUT.
type keybdInput struct {
	vk, scan uint16
	flags    uint32
	time     uint32
	extra    uintptr
}

// input is INPUT: a type and a union, here sized by its mouse member (Go
// aligns it as C does, after 4 bytes of padding on 64-bit systems).
type input struct {
	typ uint32
	u   mouseInput
}

func mouseEvent(m mouseInput) input { return input{typ: inputMouse, u: m} }

func keyEvent(k keybdInput) input {
	in := input{typ: inputKeyboard}
	*(*keybdInput)(unsafe.Pointer(&in.u)) = k
	return in
}

// kbdLLHook is KBDLLHOOKSTRUCT, what a low-level keyboard hook is handed.
type kbdLLHook struct {
	vkCode, scanCode, flags, time uint32
	extra                         uintptr
}

// msg is MSG, filled by GetMessageW; only its size matters here.
type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	x, y    int32
	private uint32
}

func screenSize() (w, h int) {
	cx, _, _ := procGetSystemMetrics.Call(smCXScreen)
	cy, _, _ := procGetSystemMetrics.Call(smCYScreen)
	return int(int32(cx)), int(int32(cy))
}
