package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// Progress is how far a transfer is. It is handed to the caller's
// callback after each chunk (each MiB), on the transfer's goroutine: the
// callback must return at once (store it, wake the UI); the UI works out
// the rate and the time left.
type Progress struct {
	Done    int64  // bytes sent, or received and verified, resumed bytes included
	Total   int64  // bytes of the offer
	Resumed int64  // of Done, the bytes an earlier attempt had moved (not part of this one's rate)
	File    string // the file being sent or received now, as named in the offer
}

// Send offers o on s, waits for the receiver's answer, and sends the
// files it asks for, from where it asks, in offer order. It returns nil
// once the receiver has confirmed that every file arrived, was verified
// and saved (so "received, verified" is true on both sides), or:
//
//   - *DeclinedError when the receiver declined;
//   - *CancelledError when the receiver cancelled (its person did, or its
//     disk is full, or something arrived damaged: Reason says which);
//   - ctx's error when ctx ended: the receiver is told the sender
//     cancelled;
//   - an error wrapping ErrChanged when a file changed while it was sent
//     (more or fewer bytes than offered, or written to meanwhile); never
//     is more than the offered size sent;
//   - one wrapping ErrProtocol or ErrConnection otherwise.
//
// Each file is read once, in chunks, into a few reused buffers, and hashed
// as it is read, on a goroutine that stays up to sendAhead chunks ahead of
// the writes. A file resumed at an offset has its prefix read and
// hashed on a second goroutine meanwhile (see the package documentation).
// progress may be nil. o must come from NewOffer.
func Send(ctx context.Context, s Stream, o *Offer, progress func(Progress)) error {
	if len(o.sources) != len(o.Files) {
		return errors.New("transfer: only an offer made by NewOffer can be sent")
	}
	snd := &sender{ctx: ctx, c: newConn(s), o: o, progress: progress, roots: map[string]*os.Root{}}
	defer snd.closeRoots()
	stop := snd.c.watch(ctx)
	defer stop()
	return snd.run()
}

type sender struct {
	ctx      context.Context
	c        *conn
	o        *Offer
	progress func(Progress)
	roots    map[string]*os.Root // folders offered, opened once

	// The reader goroutine, which reads the receiver's Done or Cancel
	// while the files go out.
	readerDone chan struct{}
	readerErr  error // nil: Done; set before readerDone closes

	p Progress
}

func (s *sender) run() error {
	offer := toWire(s.o)
	b, err := files.AppendOffer(nil, offer)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if err := s.c.write(b); err != nil {
		return s.stopped(fmt.Errorf("sending the offer: %w", err))
	}
	ans, err := s.readAnswer(offer)
	if err != nil {
		return s.stopped(err)
	}
	if !ans.Accepted {
		return &DeclinedError{Reason: ans.Reason}
	}
	s.readerDone = make(chan struct{})
	go s.readEnd()
	err = s.sendAll(ans)
	if err == nil {
		<-s.readerDone
		if err = s.ctx.Err(); err == nil {
			return s.readerErr // nil: the receiver's Done
		}
	}
	return s.fail(err)
}

func (s *sender) readAnswer(offer *files.Offer) (*files.Answer, error) {
	t, body, err := s.c.read()
	if err != nil {
		return nil, fmt.Errorf("waiting for the answer: %w", err)
	}
	switch t {
	case files.MsgAnswer:
		a, err := files.DecodeAnswer(body, offer)
		if err != nil {
			return nil, malformed(err)
		}
		return a, nil
	case files.MsgCancel:
		c, err := files.DecodeCancel(body)
		if err != nil {
			return nil, malformed(err)
		}
		return nil, cancelledBy(c)
	default:
		return nil, unexpected(t, "instead of an answer")
	}
}

// readEnd reads what the receiver sends while the files go out: its Done
// at the end, or a Cancel at any time, which also cuts short the write in
// progress (the receiver no longer reads).
func (s *sender) readEnd() {
	defer close(s.readerDone)
	t, body, err := s.c.read()
	switch {
	case err != nil:
		s.readerErr = err
	case t == files.MsgDone:
		if err := files.DecodeDone(body); err != nil {
			s.readerErr = malformed(err)
		}
	case t == files.MsgCancel:
		c, err := files.DecodeCancel(body)
		if err != nil {
			s.readerErr = malformed(err)
		} else {
			s.readerErr = cancelledBy(c)
		}
	default:
		s.readerErr = unexpected(t, "while files were being sent")
	}
	if err == nil && s.readerErr != nil {
		// The receiver stopped reading: cut short the chunk being written.
		// (After a failed read, the stream is gone or ctx ended, and the
		// writer is left its grace to send a Cancel.)
		_ = s.c.s.SetWriteDeadline(aLongTimeAgo)
	}
}

// check returns why sending must stop now, if it must: ctx ended, or
// the receiver spoke (a Done before the last file is a protocol error).
func (s *sender) check() error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	select {
	case <-s.readerDone:
		if s.readerErr == nil {
			return fmt.Errorf("%w: the receiver said it was done before every file was sent", ErrProtocol)
		}
		return s.readerErr
	default:
		return nil
	}
}

// sendAhead is how many chunks the reading goroutine may have read and
// hashed ahead of the one being written: reading and hashing a chunk then
// overlaps writing the one before, for sendAhead+1 reused buffers of 1
// MiB. (On the two cores of the test machine it gains 10 to 20 % over TCP
// loopback; the receiver, which must hash and write each chunk, is the
// slower side. Splitting the receiver's writes onto a goroutine the same
// way gained nothing there, so it does not.)
const sendAhead = 2

// piece is what the reading goroutine hands the writer, in order: a frame
// to write, or why it stopped.
type piece struct {
	frame []byte
	buf   *files.ChunkFrame // given back once frame is written; nil for a FileEnd
	n     int               // file bytes in frame
	file  string            // the file it belongs to
	err   error             // the reading goroutine failed; nothing follows
}

// sendAll sends the files the answer asks for: a goroutine reads and
// hashes them (produce), this one writes.
func (s *sender) sendAll(ans *files.Answer) error {
	s.p.Total = s.o.Total()
	for i, r := range ans.Resume {
		switch {
		case r.Have:
			s.p.Done += s.o.Files[i].Size
		default:
			s.p.Done += r.Offset
		}
	}
	s.p.Resumed = s.p.Done
	if s.progress != nil {
		s.progress(s.p)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	pieces := make(chan piece, sendAhead)
	free := make(chan *files.ChunkFrame, sendAhead+1)
	for range sendAhead + 1 {
		free <- files.NewChunkFrame()
	}
	go s.produce(ctx, ans, pieces, free)
	defer func() {
		cancel()
		for range pieces { // until the reading goroutine has ended
		}
	}()
	for p := range pieces {
		if p.err != nil {
			return p.err
		}
		if err := s.check(); err != nil {
			return err
		}
		s.p.File = p.file
		if err := s.c.write(p.frame); err != nil {
			return fmt.Errorf("sending %s: %w", p.file, err)
		}
		if p.buf != nil {
			free <- p.buf
		}
		if p.n > 0 {
			s.p.Done += int64(p.n)
			if s.progress != nil {
				s.progress(s.p)
			}
		}
	}
	return s.ctx.Err() // the reading goroutine stops early only when ctx ended
}

// produce reads and hashes the files the answer asks for, in order, into
// pieces for the writer; it closes out when done, failed or cancelled.
func (s *sender) produce(ctx context.Context, ans *files.Answer, out chan<- piece, free chan *files.ChunkFrame) {
	defer close(out)
	for i, r := range ans.Resume {
		if r.Have {
			continue
		}
		if err := s.produceFile(ctx, i, r.Offset, out, free); err != nil {
			select {
			case out <- piece{err: err}:
			case <-ctx.Done():
			}
			return
		}
	}
}

// produceFile reads file i from offset into chunk frames, each hashed as
// it is read, then makes its FileEnd.
func (s *sender) produceFile(ctx context.Context, i int, offset int64, out chan<- piece, free chan *files.ChunkFrame) error {
	f := s.o.Files[i]
	fh, before, err := s.open(i)
	if err != nil {
		return err
	}
	defer fh.Close()
	if before.Size() != f.Size {
		return tell(fmt.Errorf("%w: %s is %d bytes now, %d were offered", ErrChanged, f.Name, before.Size(), f.Size),
			fmt.Sprintf("%s changed on the sender's side after it was offered.", Display(f.Name)))
	}
	var chain fileChain
	chain.resumeAt(ctx, fh, offset)
	defer chain.stop()
	for off := offset; off < f.Size; {
		var cf *files.ChunkFrame
		select {
		case cf = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		n := int(min(files.ChunkSize, f.Size-off))
		if k, err := fh.ReadAt(cf.Data()[:n], off); k < n {
			if errors.Is(err, io.EOF) {
				return tell(fmt.Errorf("%w: %s shrank to %d bytes while it was being sent (%d were offered)", ErrChanged, f.Name, off+int64(k), f.Size),
					fmt.Sprintf("%s changed on the sender's side while it was being sent.", Display(f.Name)))
			}
			return tell(fmt.Errorf("transfer: reading %s: %w", f.Name, unwrapPath(err)),
				fmt.Sprintf("%s could not be read on the sender's side.", Display(f.Name)))
		}
		frame, h := cf.Seal(i, off, n)
		chain.add(h)
		select {
		case out <- piece{frame: frame, buf: cf, n: n, file: f.Name}:
		case <-ctx.Done():
			return ctx.Err()
		}
		off += int64(n)
	}
	// Only the offered bytes went out; if the file has more now, or was
	// written to while it was read, what went out may be a mix of old and
	// new: the transfer fails rather than deliver it as verified.
	after, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("transfer: reading %s: %w", f.Name, err)
	}
	if after.Size() != f.Size || !after.ModTime().Equal(before.ModTime()) {
		return tell(fmt.Errorf("%w: %s was written to while it was being sent (it is %d bytes now, %d were offered)", ErrChanged, f.Name, after.Size(), f.Size),
			fmt.Sprintf("%s changed on the sender's side while it was being sent.", Display(f.Name)))
	}
	sum, err := chain.sum()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return tell(fmt.Errorf("%w: %s: %w", ErrChanged, f.Name, err),
			fmt.Sprintf("%s changed on the sender's side since the last attempt.", Display(f.Name)))
	}
	select {
	case out <- piece{frame: files.AppendFileEnd(nil, files.FileEnd{Index: i, Hash: sum}), file: f.Name}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// open opens file i to send it, and checks it is still the regular file
// that was offered (not a symbolic link or a special file put in its
// place). A file in an offered folder is opened through an os.Root of
// that folder, so nothing outside what was offered is ever read.
func (s *sender) open(i int) (*os.File, os.FileInfo, error) {
	src, name := s.o.sources[i], s.o.Files[i].Name
	var fh *os.File
	var link os.FileInfo
	var err error
	if src.rel == "" {
		if link, err = os.Lstat(src.top); err == nil {
			fh, err = os.Open(src.top)
		}
	} else {
		root := s.roots[src.top]
		if root == nil {
			if root, err = os.OpenRoot(src.top); err == nil {
				s.roots[src.top] = root
			}
		}
		if err == nil {
			if link, err = root.Lstat(src.rel); err == nil {
				fh, err = root.Open(src.rel)
			}
		}
	}
	if err != nil {
		return nil, nil, tell(fmt.Errorf("transfer: opening %s: %w", name, unwrapPath(err)),
			fmt.Sprintf("%s could not be read on the sender's side.", Display(name)))
	}
	info, err := fh.Stat()
	if err == nil && (!info.Mode().IsRegular() || !os.SameFile(link, info)) {
		err = fmt.Errorf("%w: %s is no longer the regular file that was offered", ErrChanged, name)
	}
	if err != nil {
		fh.Close()
		return nil, nil, tell(err, fmt.Sprintf("%s changed on the sender's side after it was offered.", Display(name)))
	}
	return fh, info, nil
}

func (s *sender) closeRoots() {
	for _, r := range s.roots {
		r.Close()
	}
}

// fail ends a transfer that failed with err after the answer: it tells
// the receiver why (unless the receiver is why), stops the reader, and
// returns the cause: the receiver's Cancel when it sent one (a failed
// write is only its consequence), else err.
func (s *sender) fail(err error) error {
	s.tellPeer(err)
	_ = s.c.s.SetReadDeadline(aLongTimeAgo)
	<-s.readerDone
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	var ce *CancelledError
	switch {
	case s.readerErr == nil:
		return fmt.Errorf("%w: the receiver said it was done before every file was sent", ErrProtocol)
	case errors.As(s.readerErr, &ce), errors.Is(s.readerErr, ErrProtocol):
		return s.readerErr
	}
	return err
}

// stopped ends a transfer that failed before the reader started.
func (s *sender) stopped(err error) error {
	s.tellPeer(err)
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	return err
}

// tellPeer sends the Cancel that err calls for: the person cancelled
// (ctx), this side failed (a peerError's sentence), or the receiver broke
// the protocol; nothing when the receiver cancelled or the stream failed.
func (s *sender) tellPeer(err error) {
	var pe *peerError
	switch {
	case s.ctx.Err() != nil:
		s.c.sendCancel(files.CancelByUser, "")
	case errors.As(err, &pe):
		s.c.sendCancel(files.CancelFailed, pe.tell)
	case errors.Is(err, ErrProtocol):
		s.c.sendCancel(files.CancelFailed, "The receiver's messages could not be understood.")
	}
}
