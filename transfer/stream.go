package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ra-p2p/ra-p2p/stream/files"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Stream is what a transfer runs over: one stream of the file protocol.
// libp2p's network.Stream and net.Conn are Streams. The deadlines are how
// a context's end unblocks a read or a write, so that Send and Receive
// never leave a goroutine behind; the caller closes (or resets) the stream
// after them.
type Stream interface {
	io.Reader
	io.Writer
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// cancelGrace is how long a side that stops may still write, to finish the
// frame it is writing and tell the other side why (a Cancel), and how long
// a receiver that cancelled reads on so its closing does not reset the
// stream before the sender has read the Cancel. Long enough for a chunk on
// a slow link to drain, short enough that a stuck peer cannot hold a
// cancelled transfer.
const cancelGrace = 2 * time.Second

// aLongTimeAgo is a deadline that has passed: it unblocks a read or a
// write at once.
var aLongTimeAgo = time.Unix(1, 0)

// conn is one side's end of a transfer stream: a frame reader and a
// writer that stops writing after a failed write (the stream may then hold
// half a frame, and anything more would be read as garbage).
type conn struct {
	s      Stream
	fr     *framing.FrameReader
	broken bool
}

func newConn(s Stream) *conn {
	return &conn{s: s, fr: framing.NewFrameReader(s, files.MaxMessage)}
}

func (c *conn) write(b []byte) error {
	if c.broken {
		return fmt.Errorf("%w: an earlier write failed", ErrConnection)
	}
	if _, err := c.s.Write(b); err != nil {
		c.broken = true
		return fmt.Errorf("%w: %w", ErrConnection, err)
	}
	return nil
}

// read reads the next frame. A frame over the limit is the peer's fault
// (ErrProtocol); any other failure is the connection's (ErrConnection).
func (c *conn) read() (framing.MsgType, []byte, error) { return c.readInto(nil) }

// readInto is read into buf, when the frame fits (framing.ReadFrameInto).
func (c *conn) readInto(buf []byte) (framing.MsgType, []byte, error) {
	t, body, err := c.fr.ReadFrameInto(buf)
	switch {
	case err == nil:
		return t, body, nil
	case errors.Is(err, framing.ErrFrameTooLarge):
		return 0, nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	default:
		return 0, nil, fmt.Errorf("%w: %w", ErrConnection, err)
	}
}

// sendCancel tells the other side the transfer ends, best effort: not at
// all when a write already failed.
func (c *conn) sendCancel(kind files.CancelKind, reason string) {
	if c.broken {
		return
	}
	if files.CheckText(reason) != nil {
		reason = ""
	}
	b, err := files.AppendCancel(nil, files.Cancel{Kind: kind, Reason: reason})
	if err == nil {
		_ = c.write(b)
	}
}

// watch makes ctx's end unblock the stream: reads at once, writes after
// cancelGrace, so a Cancel can still go out after the frame being written.
// The returned func stops watching.
func (c *conn) watch(ctx context.Context) func() bool {
	return context.AfterFunc(ctx, func() {
		_ = c.s.SetReadDeadline(aLongTimeAgo)
		_ = c.s.SetWriteDeadline(time.Now().Add(cancelGrace))
	})
}

// unexpected is the error for a message of type t where it may not come.
func unexpected(t framing.MsgType, where string) error {
	return fmt.Errorf("%w: a message of type %#x %s", ErrProtocol, byte(t), where)
}

// malformed is the error for a message that did not decode.
func malformed(err error) error { return fmt.Errorf("%w: %w", ErrProtocol, err) }
