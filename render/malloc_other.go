//go:build !linux || !cgo

package render

// returnLargeBlocks does nothing here: the fix is for glibc's malloc.
func returnLargeBlocks() {}
