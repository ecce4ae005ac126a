// Package humansize writes a number of bytes as people read it, the same
// way everywhere the program says one: offers, progress, the file
// chooser, a full disk. It uses the standard library only, so that every
// package may use it, the display-free ones included.
package humansize

import "fmt"

// Bytes is n as people read it: "1 byte", "980 bytes", "2.4 MB" (powers
// of 1000, one decimal, rounded so that 999,999 bytes are "1.0 MB", not
// "1000.0 kB").
func Bytes(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	}
	f := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB"} {
		f /= 1000
		if f < 999.95 {
			return fmt.Sprintf("%.1f %s", f, unit)
		}
	}
	return fmt.Sprintf("%.0f PB", f)
}
