//go:build !cgo

package turbojpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// Accelerated reports whether libjpeg-turbo is in use.
const Accelerated = false

// Encoder compresses RGBA images (image/jpeg: built without cgo).
type Encoder struct{ buf bytes.Buffer }

// NewEncoder makes an encoder.
func NewEncoder() (*Encoder, error) { return &Encoder{}, nil }

// Encode appends to dst the JPEG (quality 1–100) of the w×h RGBA image in
// pix with the given stride.
func (e *Encoder) Encode(dst []byte, pix []byte, w, h, stride, quality int) ([]byte, error) {
	if w <= 0 || h <= 0 || stride < 4*w || len(pix) < stride*(h-1)+4*w {
		return dst, fmt.Errorf("turbojpeg: bad image %dx%d stride %d for %d bytes", w, h, stride, len(pix))
	}
	e.buf.Reset()
	m := &image.RGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, w, h)}
	if err := jpeg.Encode(&e.buf, m, &jpeg.Options{Quality: quality}); err != nil {
		return dst, fmt.Errorf("turbojpeg: compress: %w", err)
	}
	return append(dst, e.buf.Bytes()...), nil
}

// Decoder decompresses JPEG into RGBA.
type Decoder struct{}

// NewDecoder makes a decoder.
func NewDecoder() (*Decoder, error) { return &Decoder{}, nil }

// Size reads the width and height from a JPEG's header.
func (d *Decoder) Size(j []byte) (w, h int, err error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(j))
	if err != nil {
		return 0, 0, fmt.Errorf("turbojpeg: header: %w", err)
	}
	return cfg.Width, cfg.Height, nil
}

// Decode decompresses j, whose size must be w×h (see Size), into pix as
// RGBA with the given stride.
func (d *Decoder) Decode(pix []byte, j []byte, w, h, stride int) error {
	if w <= 0 || h <= 0 || stride < 4*w || len(pix) < stride*(h-1)+4*w {
		return fmt.Errorf("turbojpeg: bad destination %dx%d stride %d for %d bytes", w, h, stride, len(pix))
	}
	if gw, gh, err := d.Size(j); err != nil {
		return err
	} else if gw != w || gh != h {
		return fmt.Errorf("turbojpeg: image is %dx%d, want %dx%d", gw, gh, w, h)
	}
	m, err := jpeg.Decode(bytes.NewReader(j))
	if err != nil {
		return fmt.Errorf("turbojpeg: decompress: %w", err)
	}
	dst := &image.RGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, w, h)}
	draw.Draw(dst, dst.Rect, m, image.Point{}, draw.Src)
	return nil
}
