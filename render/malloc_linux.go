//go:build linux && cgo

package render

/*
#include <malloc.h>
*/
import "C"

// returnLargeBlocks makes glibc give every block of 128 KB or more a
// mapping of its own, returned to the system when it is freed. By default
// the threshold rises to the size of the largest block freed (up to 32 MB),
// so after the first texture Mesa freed, textures came from malloc's arenas,
// which shrink only from their top: each resize of the helper window (the
// textures made again at the new size) left ~25 MB behind, 218 → 391 MB
// over five resizes back and forth at 1920x1080. Setting the threshold also
// stops it from moving.
func returnLargeBlocks() { C.mallopt(C.M_MMAP_THRESHOLD, 128<<10) }
