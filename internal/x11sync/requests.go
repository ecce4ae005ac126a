package x11sync

import (
	"encoding/binary"
	"fmt"
	"image"
)

// begin queues the header of a request of n bytes (a multiple of four)
// with major and minor (a core request's data byte) opcodes; its fields
// follow, then end.
func (c *Conn) begin(major, minor byte, n int) {
	c.w = append(c.w, major, minor)
	c.w = binary.LittleEndian.AppendUint16(c.w, uint16(n/4))
}

// words queues 32-bit fields of the request begun.
func (c *Conn) words(vs ...uint32) {
	for _, v := range vs {
		c.w = binary.LittleEndian.AppendUint32(c.w, v)
	}
}

// rect queues a rectangle as x, y, width, height (16 bits each).
func (c *Conn) rect(r image.Rectangle) {
	for _, v := range [4]int{r.Min.X, r.Min.Y, r.Dx(), r.Dy()} {
		c.w = binary.LittleEndian.AppendUint16(c.w, uint16(v))
	}
}

// end ends the request begun: its cookie.
func (c *Conn) end() Cookie {
	c.n++
	return Cookie(c.n)
}

// Extension asks the server for an extension's opcodes (a round trip the
// first time); ok is false when the server does not have it.
func (c *Conn) Extension(name string) (ext Extension, ok bool, err error) {
	if e, ok := c.exts[name]; ok {
		return e, true, nil
	}
	c.begin(98, 0, 8+len(name)+pad4(len(name)))
	c.w = binary.LittleEndian.AppendUint16(c.w, uint16(len(name)))
	c.w = append(c.w, 0, 0)
	c.w = append(c.w, name...)
	c.w = append(c.w, make([]byte, pad4(len(name)))...)
	p, err := c.Reply(c.end())
	if err != nil {
		return Extension{}, false, fmt.Errorf("asking for the %s extension: %w", name, err)
	}
	if p[8] == 0 {
		return Extension{}, false, nil
	}
	e := Extension{Major: p[9], FirstEvent: p[10], FirstError: p[11]}
	c.exts[name] = e
	return e, true, nil
}

// QueryVersion announces the client's version of an extension (DAMAGE and
// XFIXES refuse other requests until it has) and returns the server's.
func (c *Conn) QueryVersion(ext Extension, major, minor uint32) (uint32, uint32, error) {
	c.begin(ext.Major, 0, 12)
	c.words(major, minor)
	p, err := c.Reply(c.end())
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint32(p[8:]), binary.LittleEndian.Uint32(p[12:]), nil
}

// GetGeometry asks for a drawable's geometry; read it with Geometry.
func (c *Conn) GetGeometry(drawable uint32) Cookie {
	c.begin(14, 0, 8)
	c.words(drawable)
	return c.end()
}

// Geometry reads GetGeometry's reply: the drawable's size.
func (c *Conn) Geometry(ck Cookie) (w, h int, err error) {
	p, err := c.Reply(ck)
	if err != nil {
		return 0, 0, err
	}
	return int(binary.LittleEndian.Uint16(p[16:])), int(binary.LittleEndian.Uint16(p[18:])), nil
}

// QueryPointer asks where the pointer is; read it with Pointer.
func (c *Conn) QueryPointer(window uint32) Cookie {
	c.begin(38, 0, 8)
	c.words(window)
	return c.end()
}

// Pointer reads QueryPointer's reply: the pointer's position on the root,
// and whether it is on the window's screen.
func (c *Conn) Pointer(ck Cookie) (x, y int, sameScreen bool, err error) {
	p, err := c.Reply(ck)
	if err != nil {
		return 0, 0, false, err
	}
	return int(int16(binary.LittleEndian.Uint16(p[16:]))), int(int16(binary.LittleEndian.Uint16(p[18:]))), p[1] != 0, nil
}

// DamageCreate makes damage object id on drawable at report level level
// (DAMAGE: 3 is "non-empty").
func (c *Conn) DamageCreate(damage Extension, id, drawable uint32, level byte) {
	c.begin(damage.Major, 1, 16)
	c.words(id, drawable)
	c.w = append(c.w, level, 0, 0, 0)
	c.end()
}

// DamageSubtract empties damage object id, leaving what it held in region
// parts (0: nowhere).
func (c *Conn) DamageSubtract(damage Extension, id, parts uint32) {
	c.begin(damage.Major, 3, 16)
	c.words(id, 0, parts) // repair None: all of it
	c.end()
}

// CreateRegion makes an empty XFixes region.
func (c *Conn) CreateRegion(xfixes Extension, id uint32) {
	c.begin(xfixes.Major, 5, 8)
	c.words(id)
	c.end()
}

// SelectCursorInput asks for XFixes' cursor events on window (mask 1: the
// shape changed).
func (c *Conn) SelectCursorInput(xfixes Extension, window, mask uint32) {
	c.begin(xfixes.Major, 3, 12)
	c.words(window, mask)
	c.end()
}

// FetchRegion asks for a region's rectangles; read them with Region.
func (c *Conn) FetchRegion(xfixes Extension, region uint32) Cookie {
	c.begin(xfixes.Major, 19, 8)
	c.words(region)
	return c.end()
}

// Region reads FetchRegion's reply, appending its rectangles to dst.
func (c *Conn) Region(ck Cookie, dst []image.Rectangle) ([]image.Rectangle, error) {
	p, err := c.Reply(ck)
	if err != nil {
		return dst, err
	}
	for r := p[32:]; len(r) >= 8; r = r[8:] {
		x, y := int(int16(binary.LittleEndian.Uint16(r))), int(int16(binary.LittleEndian.Uint16(r[2:])))
		w, h := int(binary.LittleEndian.Uint16(r[4:])), int(binary.LittleEndian.Uint16(r[6:]))
		dst = append(dst, image.Rect(x, y, x+w, y+h))
	}
	return dst, nil
}

// ShmGetImage asks for rectangle r of drawable in ZPixmap format, written
// into shared memory segment seg at offset; its reply (Reply) says when it
// is there.
func (c *Conn) ShmGetImage(shm Extension, drawable uint32, r image.Rectangle, seg, offset uint32) Cookie {
	c.begin(shm.Major, 4, 32)
	c.words(drawable)
	c.rect(r)
	c.words(^uint32(0))
	c.w = append(c.w, 2, 0, 0, 0) // ZPixmap
	c.words(seg, offset)
	return c.end()
}

// ShmImageSize reads ShmGetImage's reply: the bytes written.
func (c *Conn) ShmImageSize(ck Cookie) (int, error) {
	p, err := c.Reply(ck)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint32(p[12:])), nil
}

// GetImage asks for rectangle r of drawable in ZPixmap format, sent in its
// reply (Image): without shared memory.
func (c *Conn) GetImage(drawable uint32, r image.Rectangle) Cookie {
	c.begin(73, 2, 20) // 2: ZPixmap
	c.words(drawable)
	c.rect(r)
	c.words(^uint32(0))
	return c.end()
}

// Image reads GetImage's reply: the pixels, valid until the next read.
func (c *Conn) Image(ck Cookie) ([]byte, error) {
	p, err := c.Reply(ck)
	if err != nil {
		return nil, err
	}
	return p[32:], nil
}

// XIQueryVersion announces the client's XInput version (the server refuses
// XI2 selections until it has) and returns the server's.
func (c *Conn) XIQueryVersion(xinput Extension, major, minor uint16) (uint16, uint16, error) {
	c.begin(xinput.Major, 47, 8)
	c.w = binary.LittleEndian.AppendUint16(c.w, major)
	c.w = binary.LittleEndian.AppendUint16(c.w, minor)
	p, err := c.Reply(c.end())
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint16(p[8:]), binary.LittleEndian.Uint16(p[10:]), nil
}

// XISelectEvents selects XI2 events on window for device (1: every master
// device) by their mask (bit n: event type n, for types below 32).
func (c *Conn) XISelectEvents(xinput Extension, window uint32, device uint16, mask uint32) {
	c.begin(xinput.Major, 46, 20)
	c.words(window)
	c.w = binary.LittleEndian.AppendUint16(c.w, 1) // one mask
	c.w = append(c.w, 0, 0)
	c.w = binary.LittleEndian.AppendUint16(c.w, device)
	c.w = binary.LittleEndian.AppendUint16(c.w, 1) // of one word
	c.words(mask)
	c.end()
}

// GenericEvent says whether ev is an XI2-style generic event of extension
// ext, and its type.
func GenericEvent(ev []byte, ext Extension) (evtype uint16, ok bool) {
	if len(ev) < 10 || ev[0]&0x7f != 35 || ev[1] != ext.Major {
		return 0, false
	}
	return binary.LittleEndian.Uint16(ev[8:]), true
}
