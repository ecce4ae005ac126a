package capture

import "golang.org/x/sys/windows"

// The GDI and user32 calls capture makes, loaded when first called (no
// cgo: the Windows build is pure Go). Each Call returns the function's
// result first; the error is GetLastError's, meaningful only on failure.
var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")

	procGetDC            = user32.NewProc("GetDC")
	procReleaseDC        = user32.NewProc("ReleaseDC")
	procGetSystemMetrics = user32.NewProc("GetSystemMetrics")
	procGetCursorInfo    = user32.NewProc("GetCursorInfo")
	procGetIconInfo      = user32.NewProc("GetIconInfo")
	procDrawIconEx       = user32.NewProc("DrawIconEx")

	procCreateCompatibleDC = gdi32.NewProc("CreateCompatibleDC")
	procCreateDIBSection   = gdi32.NewProc("CreateDIBSection")
	procSelectObject       = gdi32.NewProc("SelectObject")
	procDeleteObject       = gdi32.NewProc("DeleteObject")
	procDeleteDC           = gdi32.NewProc("DeleteDC")
	procBitBlt             = gdi32.NewProc("BitBlt")
	procGdiFlush           = gdi32.NewProc("GdiFlush")
)

const (
	smCXScreen = 0  // SM_CXSCREEN
	smCYScreen = 1  // SM_CYSCREEN
	smCXCursor = 13 // SM_CXCURSOR
	smCYCursor = 14 // SM_CYCURSOR

	srcCopy    = 0x00CC0020 // SRCCOPY
	captureBlt = 0x40000000 // CAPTUREBLT

	biRGB        = 0 // BI_RGB
	dibRGBColors = 0 // DIB_RGB_COLORS

	cursorShowing = 1 // CURSOR_SHOWING
	diNormal      = 3 // DI_NORMAL
)

// bitmapInfoHeader is BITMAPINFOHEADER; with 32 bits a pixel and BI_RGB no
// colour table follows, so it is a whole BITMAPINFO.
type bitmapInfoHeader struct {
	Size          uint32
	Width         int32
	Height        int32 // negative: rows top-down
	Planes        uint16
	BitCount      uint16
	Compression   uint32
	SizeImage     uint32
	XPelsPerMeter int32
	YPelsPerMeter int32
	ClrUsed       uint32
	ClrImportant  uint32
}

// cursorInfo is CURSORINFO.
type cursorInfo struct {
	Size   uint32
	Flags  uint32
	Cursor uintptr
	X, Y   int32
}

// iconInfo is ICONINFO.
type iconInfo struct {
	Icon       int32
	HotX, HotY uint32
	Mask       uintptr
	Color      uintptr
}
