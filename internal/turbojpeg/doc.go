// Package turbojpeg encodes and decodes baseline JPEG with libjpeg-turbo
// (SIMD), for the screen codec's photo-like tiles: Go's image/jpeg took
// ~40 ms for a 1080p frame here, which alone kept a full-screen change
// below 30 fps. Built without cgo, it falls back to image/jpeg (same
// format, slower), so a pure-Go build still works.
//
// It works on RGBA pixels (alpha ignored) and knows nothing of screens or
// tiles. An Encoder or Decoder is not safe for concurrent use; each holds a
// libjpeg-turbo handle, freed when it is garbage-collected.
package turbojpeg
