//go:build cgo

package turbojpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// Accelerated reports whether libjpeg-turbo is in use.
const Accelerated = true

type handle struct{ h C.tjhandle }

func newHandle(h C.tjhandle) *handle {
	hd := &handle{h: h}
	runtime.AddCleanup(hd, func(h C.tjhandle) { C.tjDestroy(h) }, h)
	return hd
}

// Encoder compresses RGBA images.
type Encoder struct {
	hd *handle
}

// NewEncoder makes an encoder.
func NewEncoder() (*Encoder, error) {
	h := C.tjInitCompress()
	if h == nil {
		return nil, errors.New("turbojpeg: cannot start a compressor")
	}
	return &Encoder{hd: newHandle(h)}, nil
}

// Encode appends to dst the JPEG (4:2:0, quality 1–100) of the w×h RGBA
// image in pix with the given stride.
func (e *Encoder) Encode(dst []byte, pix []byte, w, h, stride, quality int) ([]byte, error) {
	if w <= 0 || h <= 0 || stride < 4*w || len(pix) < stride*(h-1)+4*w {
		return dst, fmt.Errorf("turbojpeg: bad image %dx%d stride %d for %d bytes", w, h, stride, len(pix))
	}
	var out *C.uchar // libjpeg-turbo allocates it
	var size C.ulong
	rc := C.tjCompress2(e.hd.h, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(stride), C.int(h), C.TJPF_RGBA,
		&out, &size, C.TJSAMP_420, C.int(quality), 0)
	runtime.KeepAlive(pix)
	if out != nil {
		defer C.tjFree(out)
	}
	if rc != 0 {
		return dst, fmt.Errorf("turbojpeg: compress: %s", C.GoString(C.tjGetErrorStr2(e.hd.h)))
	}
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(out)), int(size))...), nil
}

// Decoder decompresses JPEG into RGBA.
type Decoder struct {
	hd *handle
}

// NewDecoder makes a decoder.
func NewDecoder() (*Decoder, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, errors.New("turbojpeg: cannot start a decompressor")
	}
	return &Decoder{hd: newHandle(h)}, nil
}

// Size reads the width and height from a JPEG's header.
func (d *Decoder) Size(j []byte) (w, h int, err error) {
	if len(j) == 0 {
		return 0, 0, errors.New("turbojpeg: empty JPEG")
	}
	var cw, ch, sub, cs C.int
	rc := C.tjDecompressHeader3(d.hd.h, (*C.uchar)(unsafe.Pointer(&j[0])), C.ulong(len(j)), &cw, &ch, &sub, &cs)
	runtime.KeepAlive(j)
	if rc != 0 {
		return 0, 0, fmt.Errorf("turbojpeg: header: %s", C.GoString(C.tjGetErrorStr2(d.hd.h)))
	}
	return int(cw), int(ch), nil
}

// Decode decompresses j, whose size must be w×h (see Size), into pix as
// RGBA with the given stride.
func (d *Decoder) Decode(pix []byte, j []byte, w, h, stride int) error {
	if len(j) == 0 || w <= 0 || h <= 0 || stride < 4*w || len(pix) < stride*(h-1)+4*w {
		return fmt.Errorf("turbojpeg: bad destination %dx%d stride %d for %d bytes", w, h, stride, len(pix))
	}
	if gw, gh, err := d.Size(j); err != nil {
		return err
	} else if gw != w || gh != h {
		return fmt.Errorf("turbojpeg: image is %dx%d, want %dx%d", gw, gh, w, h)
	}
	rc := C.tjDecompress2(d.hd.h, (*C.uchar)(unsafe.Pointer(&j[0])), C.ulong(len(j)),
		(*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(stride), C.int(h), C.TJPF_RGBA, C.TJFLAG_FASTDCT)
	runtime.KeepAlive(j)
	runtime.KeepAlive(pix)
	if rc != 0 {
		return fmt.Errorf("turbojpeg: decompress: %s", C.GoString(C.tjGetErrorStr2(d.hd.h)))
	}
	return nil
}
