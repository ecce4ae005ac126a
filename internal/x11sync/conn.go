package x11sync

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Conn is one connection to the X server. Requests are queued by their
// methods, written by Flush (or by Reply, which flushes first), and their
// replies read by Reply in the order sent.
type Conn struct {
	c net.Conn
	r *bufio.Reader
	w []byte // queued requests
	n uint64 // requests queued or sent so far (the last one's sequence number)
	// read is the sequence number of the last reply or error read: a
	// request's reply comes after every earlier one's, so one at or before
	// it can no longer be read.
	read uint64
	id   struct{ base, mask, next uint32 }
	// OnEvent is called for each event read while waiting for a reply or
	// in ReadEvent; nil drops them. ev is 32 bytes (or more for a generic
	// event) and valid only during the call.
	OnEvent func(ev []byte)
	// OnError is called for the error of a request whose reply nobody
	// waits for (one without a reply); nil drops it.
	OnError func(err *Error)
	exts    map[string]Extension
}

// Extension is what QueryExtension says of one.
type Extension struct {
	Major      byte // the requests' major opcode
	FirstEvent byte // the code of its first event
	FirstError byte
}

// Error is an X protocol error.
type Error struct {
	Code     byte
	Sequence uint16
	Value    uint32 // the bad resource or value
	Major    byte
	Minor    uint16
}

func (e *Error) Error() string {
	return fmt.Sprintf("X error %d (request %d.%d, value %#x)", e.Code, e.Major, e.Minor, e.Value)
}

// Cookie is a request's sequence number, for Reply.
type Cookie uint64

// Dial connects to display ("" means $DISPLAY) as xlib does: a local
// display (":N", "unix:N") through its socket in /tmp/.X11-unix (or the
// abstract one), "host:N" by TCP to port 6000+N, with the
// MIT-MAGIC-COOKIE-1 from $XAUTHORITY (or ~/.Xauthority) when there is one.
func Dial(display string) (*Conn, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	host, number, err := parseDisplay(display)
	if err != nil {
		return nil, err
	}
	var nc net.Conn
	if host == "" || host == "unix" {
		path := "/tmp/.X11-unix/X" + number
		nc, err = net.DialTimeout("unix", path, 10*time.Second)
		if err != nil {
			var aerr error
			if nc, aerr = net.DialTimeout("unix", "@"+path, 10*time.Second); aerr != nil {
				return nil, fmt.Errorf("connecting to display %s: %w", display, err)
			}
		}
	} else {
		n, _ := strconv.Atoi(number)
		nc, err = net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)), 10*time.Second)
		if err != nil {
			return nil, fmt.Errorf("connecting to display %s: %w", display, err)
		}
	}
	c := &Conn{c: nc, r: bufio.NewReaderSize(nc, 64<<10), exts: map[string]Extension{}}
	name, data := authority(host, number)
	if err := c.handshake(name, data); err != nil {
		nc.Close()
		return nil, fmt.Errorf("display %s: %w", display, err)
	}
	return c, nil
}

// parseDisplay splits "host:N.S" (host may be empty or "unix", a
// "protocol/" prefix is dropped) into host and the display number.
func parseDisplay(display string) (host, number string, err error) {
	colon := strings.LastIndex(display, ":")
	if colon < 0 {
		return "", "", fmt.Errorf("bad display name %q: no colon", display)
	}
	host = display[:colon]
	if slash := strings.LastIndex(host, "/"); slash >= 0 {
		host = host[slash+1:]
	}
	number, _, _ = strings.Cut(display[colon+1:], ".")
	if _, err := strconv.Atoi(number); err != nil {
		return "", "", fmt.Errorf("bad display name %q: no display number", display)
	}
	return host, number, nil
}

// handshake sends the connection setup and reads the server's answer,
// keeping only the resource ID range.
func (c *Conn) handshake(authName string, authData []byte) error {
	b := []byte{'l', 0, 11, 0, 0, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(authName)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(authData)))
	b = append(b, 0, 0)
	b = append(b, authName...)
	b = append(b, make([]byte, pad4(len(authName)))...)
	b = append(b, authData...)
	b = append(b, make([]byte, pad4(len(authData)))...)
	if _, err := c.c.Write(b); err != nil {
		return fmt.Errorf("sending the connection setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c.r, head); err != nil {
		return fmt.Errorf("reading the connection setup: %w", err)
	}
	body := make([]byte, 4*int(binary.LittleEndian.Uint16(head[6:])))
	if _, err := io.ReadFull(c.r, body); err != nil {
		return fmt.Errorf("reading the connection setup: %w", err)
	}
	switch head[0] {
	case 1:
	case 0:
		return fmt.Errorf("the X server refused the connection: %s", strings.TrimSpace(string(body[:min(int(head[1]), len(body))])))
	default:
		return errors.New("the X server asks for more authentication than MIT-MAGIC-COOKIE-1")
	}
	if len(body) < 12 {
		return errors.New("the X server's setup is too short")
	}
	c.id.base, c.id.mask = binary.LittleEndian.Uint32(body[4:]), binary.LittleEndian.Uint32(body[8:])
	c.id.next = c.id.mask & -c.id.mask // the lowest bit of the mask: the step
	return nil
}

func pad4(n int) int { return (4 - n%4) % 4 }

// NewID is a new resource ID of this connection.
func (c *Conn) NewID() (uint32, error) {
	if c.id.next == 0 || c.id.next&^c.id.mask != 0 {
		return 0, errors.New("out of X resource IDs")
	}
	id := c.id.base | c.id.next
	c.id.next += c.id.mask & -c.id.mask
	return id, nil
}

// Flush writes the queued requests.
func (c *Conn) Flush() error {
	if len(c.w) == 0 {
		return nil
	}
	_, err := c.c.Write(c.w)
	c.w = c.w[:0]
	if err != nil {
		return fmt.Errorf("sending X requests: %w", err)
	}
	return nil
}

// Reply flushes, then reads until the reply to ck and returns it (32 bytes
// and what follows; valid until the next read) or its error. Events read
// on the way go to OnEvent, errors of other requests to OnError.
func (c *Conn) Reply(ck Cookie) ([]byte, error) {
	if err := c.Flush(); err != nil {
		return nil, err
	}
	if uint64(ck) <= c.read || uint64(ck) > c.n {
		return nil, fmt.Errorf("x11sync: the reply to request %d cannot be read (read up to %d, sent %d)", ck, c.read, c.n)
	}
	want := uint16(ck)
	for {
		p, err := c.readPacket()
		if err != nil {
			return nil, err
		}
		if p[0] <= 1 {
			// The full sequence number: the newest sent with these low bits.
			c.read = c.n - uint64(uint16(c.n)-binary.LittleEndian.Uint16(p[2:]))
		}
		switch p[0] {
		case 0: // an error
			e := parseError(p)
			if e.Sequence == want {
				return nil, e
			}
			if c.OnError != nil {
				c.OnError(e)
			}
		case 1: // a reply
			if binary.LittleEndian.Uint16(p[2:]) == want {
				return p, nil
			}
		default:
			if c.OnEvent != nil {
				c.OnEvent(p)
			}
		}
	}
}

// ReadEvent flushes, then waits for the next event and passes it (and any
// errors before it) on; it returns only after an event, or with the
// connection's error (after Close, say).
func (c *Conn) ReadEvent() error {
	if err := c.Flush(); err != nil {
		return err
	}
	for {
		p, err := c.readPacket()
		if err != nil {
			return err
		}
		switch p[0] {
		case 0:
			if c.OnError != nil {
				c.OnError(parseError(p))
			}
		case 1:
			// A reply nobody waits for: not sent by this package.
		default:
			if c.OnEvent != nil {
				c.OnEvent(p)
			}
			return nil
		}
	}
}

// parseError reads an error packet (32 bytes, the first 0).
func parseError(p []byte) *Error {
	return &Error{Code: p[1], Sequence: binary.LittleEndian.Uint16(p[2:]), Value: binary.LittleEndian.Uint32(p[4:]),
		Minor: binary.LittleEndian.Uint16(p[8:]), Major: p[10]}
}

// readPacket reads one reply, error or event: 32 bytes, and for a reply or
// a generic event (35) the 4-byte units its length field adds.
func (c *Conn) readPacket() ([]byte, error) {
	head, err := c.r.Peek(32)
	if err != nil {
		return nil, fmt.Errorf("reading from the X server: %w", err)
	}
	n := 32
	if head[0] == 1 || head[0]&0x7f == 35 {
		n += 4 * int(binary.LittleEndian.Uint32(head[4:]))
	}
	if n <= c.r.Size() {
		p, err := c.r.Peek(n)
		if err != nil {
			return nil, fmt.Errorf("reading from the X server: %w", err)
		}
		c.r.Discard(n)
		return p, nil
	}
	p := make([]byte, n) // a big reply (an image without shared memory)
	if _, err := io.ReadFull(c.r, p); err != nil {
		return nil, fmt.Errorf("reading from the X server: %w", err)
	}
	return p, nil
}

// Close closes the connection; a ReadEvent waiting on another goroutine
// returns.
func (c *Conn) Close() error { return c.c.Close() }
