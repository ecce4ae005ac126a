package transfer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ra-p2p/ra-p2p/stream/files"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Receiver is the receiving side of one transfer stream. Its methods are
// called in order, from one goroutine at a time: ReadOffer; then
// CheckOffer and Plan (package functions), and the person's decision,
// meanwhile WaitWithdrawn if the caller wants to hear of the sender
// giving up; then Decline or Receive, once.
type Receiver struct {
	c        *conn
	wire     *files.Offer
	offer    *Offer
	answered bool
	ahead    *lookahead // the read WaitWithdrawn started, until Decline or Receive takes it over
}

// lookahead is one frame read ahead, on its own goroutine, while the
// person decides.
type lookahead struct {
	done chan struct{}
	t    framing.MsgType // set before done closes
	body []byte
	err  error
}

// NewReceiver is the receiving side of s. It starts nothing.
func NewReceiver(s Stream) *Receiver { return &Receiver{c: newConn(s)} }

// ReadOffer reads the sender's offer. Every field of it is a claim: run
// CheckOffer (and Plan, which runs it too) before anyone is asked.
func (r *Receiver) ReadOffer(ctx context.Context) (*Offer, error) {
	if r.offer != nil {
		return nil, errors.New("transfer: the offer was already read")
	}
	stop := r.c.watch(ctx)
	defer stop()
	t, body, err := r.c.read()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("reading the offer: %w", err)
	}
	if t != files.MsgOffer {
		return nil, unexpected(t, "instead of an offer")
	}
	w, err := files.DecodeOffer(body)
	if err != nil {
		return nil, malformed(err)
	}
	r.wire, r.offer = w, fromWire(w)
	return r.offer, nil
}

// WaitWithdrawn waits, while the person decides, for the sender to give
// up: it returns *CancelledError when the sender cancelled its offer (its
// person did, or ctx ended on its side), an error wrapping ErrConnection
// when the stream failed, or nil when ctx ends first (the person decided:
// cancel ctx then). The read it starts goes on after it returns, owned by
// the Receiver: Decline ends it, Receive takes its frame (closing the
// stream ends it too). Call it again to wait again.
func (r *Receiver) WaitWithdrawn(ctx context.Context) error {
	if r.offer == nil || r.answered {
		return errors.New("transfer: WaitWithdrawn needs an offer that was read and not answered")
	}
	if r.ahead == nil {
		l := &lookahead{done: make(chan struct{})}
		r.ahead = l
		go func() {
			defer close(l.done)
			l.t, l.body, l.err = r.c.read()
		}()
	}
	select {
	case <-r.ahead.done:
		return r.ahead.result()
	case <-ctx.Done():
		return nil
	}
}

// result is what the frame read ahead means: before the answer, the
// sender may only cancel.
func (l *lookahead) result() error {
	switch {
	case l.err != nil:
		return fmt.Errorf("waiting for the answer: %w", l.err)
	case l.t != files.MsgCancel:
		return unexpected(l.t, "before the answer")
	}
	c, err := files.DecodeCancel(l.body)
	if err != nil {
		return malformed(err)
	}
	return cancelledBy(c)
}

// next reads the next frame: the one read ahead, if there is one, else
// into buf when it fits.
func (r *Receiver) next(buf []byte) (framing.MsgType, []byte, error) {
	if l := r.ahead; l != nil {
		r.ahead = nil
		<-l.done
		return l.t, l.body, l.err
	}
	return r.c.readInto(buf)
}

// stopAhead ends the read ahead, if any, and waits for it.
func (r *Receiver) stopAhead() {
	if r.ahead != nil {
		_ = r.c.s.SetReadDeadline(aLongTimeAgo)
		<-r.ahead.done
		r.ahead = nil
	}
}

// Decline tells the sender no, with reason (a short sentence for the
// sender's person, cut to files.MaxReason bytes; it may be empty).
// Nothing is written to disk.
func (r *Receiver) Decline(ctx context.Context, reason string) error {
	if r.offer == nil || r.answered {
		return errors.New("transfer: Decline needs an offer that was read and not answered")
	}
	r.answered = true
	defer r.stopAhead()
	stop := r.c.watch(ctx)
	defer stop()
	b, err := files.AppendAnswer(nil, &files.Answer{Reason: files.Truncate(reason, files.MaxReason)}, r.wire)
	if err != nil {
		return fmt.Errorf("transfer: declining: %w", err)
	}
	if err := r.c.write(b); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("declining: %w", err)
	}
	return nil
}

// Result is where a received offer was saved.
type Result struct {
	// Saved has, per item of the plan, the absolute path it was saved
	// under: its Target, or the next free name if the target was taken
	// while the files arrived.
	Saved []string
}

// Receive accepts the offer (telling the sender where to resume, as
// plan says), receives its files into parts beside their targets,
// checks each chunk before it is written and each file's hash at its end,
// saves every item under its target once all have arrived, and tells the
// sender it is done. Writes go through an os.Root of plan.Dir, so nothing
// is written outside it whatever a name or a symbolic link says; plan.Dir
// is created (0700) if it is missing. No existing file is overwritten.
//
// When it fails, what was received and verified stays in the parts (with
// their records) for another attempt at the same offer, except a file
// whose whole hash did not match or that the sender failed to read, which
// starts again. Errors: ctx's (the sender is told the receiver
// cancelled); *CancelledError (the sender cancelled, or failed: Reason
// says what); one wrapping ErrDiskFull, ErrDamaged, ErrProtocol (a sender
// that sends more or less than it offered, or out of order) or
// ErrConnection. Each failure of this side is told to the sender in a
// sentence. When everything was saved but the Done could not be sent,
// the Result comes with an error wrapping ErrConnection.
//
// progress may be nil; plan must be what Plan returned for the offer ReadOffer
// returned.
func (r *Receiver) Receive(ctx context.Context, plan *Layout, progress func(Progress)) (*Result, error) {
	if r.offer == nil || r.answered || plan.Offer != r.offer {
		return nil, errors.New("transfer: Receive needs the plan of the offer that was read, not yet answered")
	}
	r.answered = true
	if l := r.ahead; l != nil {
		select {
		case <-l.done: // the sender gave up while the person decided: nothing to answer
			r.ahead = nil
			return nil, l.result()
		default:
		}
	}
	stop := r.c.watch(ctx)
	defer stop()
	rc := &receiving{ctx: ctx, r: r, c: r.c, plan: plan, wire: r.wire, progress: progress, items: make([]itemState, len(plan.Items)),
		buf: make([]byte, files.ChunkSize+files.MaxChunkHeader)}
	for k, it := range plan.Items {
		rc.items[k].done = it.done
	}
	defer rc.close()
	res, err := rc.run()
	if err != nil && res == nil {
		return nil, rc.fail(err)
	}
	return res, err
}

// receiving is one Receive.
type receiving struct {
	ctx      context.Context
	r        *Receiver
	c        *conn
	plan     *Layout
	wire     *files.Offer
	progress func(Progress)
	root     *os.Root
	items    []itemState
	cur      *partFile // the file being received, nil between files
	p        Progress
	buf      []byte // each chunk's frame is read into it
}

type itemState struct {
	started bool // its part and its record exist
	done    int  // of its files, how many are received and verified
}

// partFile is the file being received.
type partFile struct {
	fh      *os.File
	index   int   // in the offer
	off     int64 // bytes received, checked and written
	saved   int64 // the offset its record last said
	discard bool  // its bytes are not kept: it starts again next time
}

func (rc *receiving) run() (*Result, error) {
	dir := rc.plan.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, rc.saveError(err, "making the folder "+dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, rc.saveError(err, "opening the folder "+dir)
	}
	rc.root = root
	for _, it := range rc.plan.Items {
		if it.reset {
			_ = root.RemoveAll(it.Target + partSuffix)
			_ = root.Remove(it.Target + recordSuffix)
		}
	}
	ans := &files.Answer{Accepted: true, Resume: make([]files.Resume, len(rc.plan.Files))}
	rc.p.Total = rc.plan.Offer.Total()
	for i, pl := range rc.plan.Files {
		ans.Resume[i] = files.Resume{Have: pl.Have, Offset: pl.Offset}
		if pl.Have {
			rc.p.Done += rc.plan.Offer.Files[i].Size
		} else {
			rc.p.Done += pl.Offset
		}
	}
	rc.p.Resumed = rc.p.Done
	b, err := files.AppendAnswer(nil, ans, rc.wire)
	if err != nil {
		return nil, fmt.Errorf("transfer: answering: %w", err)
	}
	if err := rc.c.write(b); err != nil {
		return nil, fmt.Errorf("accepting: %w", err)
	}
	defer rc.r.stopAhead() // a read ahead still going when nothing was left to receive
	if rc.progress != nil {
		rc.progress(rc.p)
	}
	for i, pl := range rc.plan.Files {
		if pl.Have {
			continue
		}
		if err := rc.receiveFile(i); err != nil {
			return nil, err
		}
	}
	saved, err := rc.place()
	if err != nil {
		return nil, err
	}
	res := &Result{Saved: saved}
	if err := rc.c.write(files.AppendDone(nil)); err != nil {
		return res, fmt.Errorf("everything was saved, but the sender could not be told: %w", err)
	}
	return res, nil
}

// receiveFile receives file i: its chunks from the plan's offset, then its
// FileEnd, whose hash it checks against its own.
func (rc *receiving) receiveFile(i int) error {
	pl, f := rc.plan.Files[i], rc.plan.Offer.Files[i]
	it, st := &rc.plan.Items[pl.Item], &rc.items[pl.Item]
	rc.p.File = f.Name
	name := it.partPath(f.Name)
	flags := os.O_RDWR | os.O_CREATE
	first := !st.started
	if first {
		if it.Folder {
			if err := rc.root.Mkdir(it.Target+partSuffix, 0o755); err != nil && !(it.Resumed && errors.Is(err, fs.ErrExist)) {
				return rc.saveError(err, "making "+it.Target+partSuffix)
			}
		} else if !it.Resumed {
			flags |= os.O_EXCL // never take over a file that appeared since the plan
		}
		st.started = true
	}
	if it.Folder {
		if err := rc.root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return rc.saveError(err, "making the folder of "+f.Name)
		}
	}
	fh, err := rc.root.OpenFile(name, flags, 0o600)
	if err != nil {
		return rc.saveError(err, "creating "+name)
	}
	rc.cur = &partFile{fh: fh, index: i, off: pl.Offset, saved: -1}
	if err := fh.Truncate(pl.Offset); err != nil { // nothing unverified stays
		fh.Close()
		rc.cur = nil
		return rc.saveError(err, "preparing "+name)
	}
	if first || pl.Offset > 0 { // else the record already says so: the last file's end wrote it
		rc.saveRecord()
	}
	var chain fileChain
	chain.resumeAt(rc.ctx, fh, pl.Offset)
	defer chain.stop()
	for {
		t, body, err := rc.r.next(rc.buf)
		if err != nil {
			return fmt.Errorf("receiving %s: %w", f.Name, err)
		}
		switch t {
		case files.MsgChunk:
			c, err := files.DecodeChunk(body)
			if err != nil {
				return malformed(err)
			}
			if err := rc.checkChunk(c, f); err != nil {
				return err
			}
			if _, err := fh.WriteAt(c.Data, c.Offset); err != nil {
				return rc.saveError(err, "saving "+f.Name)
			}
			chain.add(c.Hash)
			rc.cur.off += int64(len(c.Data))
			rc.p.Done += int64(len(c.Data))
			if rc.cur.off-rc.cur.saved >= recordEvery {
				rc.saveRecord()
			}
			if rc.progress != nil {
				rc.progress(rc.p)
			}
		case files.MsgFileEnd:
			e, err := files.DecodeFileEnd(body)
			if err != nil {
				return malformed(err)
			}
			if e.Index != i {
				return fmt.Errorf("%w: the end of file %d came while file %d was being received", ErrProtocol, e.Index, i)
			}
			if rc.cur.off < f.Size {
				return tell(fmt.Errorf("%w: the sender ended %s after %d of its %d bytes", ErrProtocol, f.Name, rc.cur.off, f.Size),
					fmt.Sprintf("The sender sent less of %s than it offered.", Display(f.Name)))
			}
			sum, err := chain.sum()
			if err != nil {
				if rc.ctx.Err() != nil {
					return rc.ctx.Err()
				}
				rc.cur.discard = true
				return rc.saveError(err, "checking "+f.Name)
			}
			if sum != e.Hash {
				rc.cur.discard = true
				return tell(fmt.Errorf("%w: %s: its hash does not match the sender's", ErrDamaged, f.Name),
					fmt.Sprintf("%s arrived damaged (its hash does not match); it will be sent again from the start.", Display(f.Name)))
			}
			return rc.finishFile(f)
		case files.MsgCancel:
			c, err := files.DecodeCancel(body)
			if err != nil {
				return malformed(err)
			}
			if c.Kind == files.CancelFailed {
				rc.cur.discard = true // the sender could not read it as it was: start it again
			}
			return cancelledBy(c)
		default:
			return unexpected(t, "while "+f.Name+" was being received")
		}
	}
}

// checkChunk checks that c is the next chunk of file f, whole, and
// undamaged.
func (rc *receiving) checkChunk(c files.Chunk, f File) error {
	off := rc.cur.off
	switch {
	case c.Index != rc.cur.index:
		return fmt.Errorf("%w: a chunk of file %d came while file %d was being received", ErrProtocol, c.Index, rc.cur.index)
	case off >= f.Size || int64(len(c.Data)) > min(files.ChunkSize, f.Size-off):
		return tell(fmt.Errorf("%w: the sender sent more of %s than the %d bytes it offered", ErrProtocol, f.Name, f.Size),
			fmt.Sprintf("The sender sent more of %s than it offered.", Display(f.Name)))
	case c.Offset != off:
		return fmt.Errorf("%w: a chunk of %s at byte %d came where byte %d was due", ErrProtocol, f.Name, c.Offset, off)
	case int64(len(c.Data)) < min(files.ChunkSize, f.Size-off):
		return tell(fmt.Errorf("%w: the sender sent a short chunk of %s (%d bytes at byte %d of %d)", ErrProtocol, f.Name, len(c.Data), off, f.Size),
			fmt.Sprintf("The sender sent less of %s than it offered.", Display(f.Name)))
	case files.HashChunk(c.Data) != c.Hash:
		return tell(fmt.Errorf("%w: %s: the chunk at byte %d does not match its hash", ErrDamaged, f.Name, off),
			fmt.Sprintf("Part of %s arrived damaged.", Display(f.Name)))
	}
	return nil
}

// finishFile closes a file that arrived whole and verified,
// with the sender's permission bits (never group- or world-writable,
// always readable and writable by its owner), and records it.
func (rc *receiving) finishFile(f File) error {
	cur := rc.cur
	if err := cur.fh.Chmod(f.Mode.Perm()&0o755 | 0o600); err != nil {
		return rc.saveError(err, "saving "+f.Name)
	}
	err := cur.fh.Close()
	cur.fh = nil
	if err != nil {
		return rc.saveError(err, "saving "+f.Name)
	}
	rc.cur = nil
	st := &rc.items[rc.plan.Files[cur.index].Item]
	st.done++
	rc.writeRecord(rc.plan.Files[cur.index].Item, 0)
	return nil
}

// saveRecord records how far the current file got.
func (rc *receiving) saveRecord() {
	rc.writeRecord(rc.plan.Files[rc.cur.index].Item, rc.cur.off)
	rc.cur.saved = rc.cur.off
}

// writeRecord writes item k's record, best effort: a record that lags
// behind only means more is sent again.
func (rc *receiving) writeRecord(k int, offset int64) {
	it := &rc.plan.Items[k]
	_ = writeRecord(rc.root, it.Target+recordSuffix, record{
		Offer:  hex.EncodeToString(rc.plan.Offer.ID[:]),
		Item:   itemDigest(rc.plan.Offer, it.files),
		Done:   rc.items[k].done,
		Offset: offset,
	})
}

// place saves every item under its target, or the next free name: a
// file by a hard link (which fails rather than replace anything) and then
// removing the part, or, where hard links are not supported, and for
// folders, by a rename after looking that the name is free.
func (rc *receiving) place() ([]string, error) {
	var saved []string
	placed := map[string]bool{}
	for k := range rc.plan.Items {
		it := &rc.plan.Items[k]
		target := ""
		for n := it.slot; n <= maxSuffix && target == ""; n++ {
			name := suffixed(it.Name, n, it.Folder)
			if placed[fold(name)] {
				continue
			}
			ok, err := rc.placeAs(it.Target+partSuffix, name, it.Folder)
			if err != nil {
				return saved, rc.saveError(err, "saving "+it.Name)
			}
			if ok {
				target = name
			}
		}
		if target == "" {
			return saved, fmt.Errorf("transfer: cannot save %s: every name up to %s is taken", Display(it.Name), Display(suffixed(it.Name, maxSuffix, it.Folder)))
		}
		placed[fold(target)] = true
		_ = rc.root.Remove(it.Target + recordSuffix)
		saved = append(saved, filepath.Join(rc.plan.Dir, target))
	}
	return saved, nil
}

func (rc *receiving) placeAs(part, name string, folder bool) (bool, error) {
	if !folder {
		err := rc.root.Link(part, name)
		if err == nil {
			return true, rc.root.Remove(part)
		}
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
	}
	if exists(rc.root, name) {
		return false, nil
	}
	if err := rc.root.Rename(part, name); err != nil {
		if errors.Is(err, fs.ErrExist) || exists(rc.root, name) {
			return false, nil // taken meanwhile
		}
		return false, err
	}
	return true, nil
}

// saveError is the error for a failed file-system operation: ErrDiskFull
// when the disk is full, with sentences for both people.
func (rc *receiving) saveError(err error, doing string) error {
	if isDiskFull(err) {
		return tell(fmt.Errorf("%s in %s: %w; free some space and try again", doing, rc.plan.Dir, ErrDiskFull),
			"The receiving computer's disk is full.")
	}
	return tell(fmt.Errorf("transfer: %s: %w", doing, unwrapPath(err)), "The files could not be saved on the receiving side.")
}

// fail ends a Receive that failed with err: it tells the sender why
// (unless the sender is why, or the stream is gone) and keeps what was
// verified for another attempt.
func (rc *receiving) fail(err error) error {
	var pe *peerError
	var ce *CancelledError
	told := true
	switch {
	case rc.ctx.Err() != nil:
		rc.c.sendCancel(files.CancelByUser, "")
	case errors.As(err, &ce), errors.Is(err, ErrConnection):
		told = false
	case errors.As(err, &pe):
		rc.c.sendCancel(files.CancelFailed, pe.tell)
	case errors.Is(err, ErrProtocol):
		rc.c.sendCancel(files.CancelFailed, "The sender's messages could not be understood.")
	default:
		rc.c.sendCancel(files.CancelFailed, "The files could not be saved on the receiving side.")
	}
	if told && !rc.c.broken {
		rc.drain()
	}
	if rc.ctx.Err() != nil {
		return rc.ctx.Err()
	}
	return err
}

// drain reads and drops what the sender still sends, until it hangs up or
// cancelGrace has passed: closing a stream with unread data can reset it,
// and the sender would then lose the Cancel it has not read yet.
func (rc *receiving) drain() {
	_ = rc.c.s.SetReadDeadline(time.Now().Add(cancelGrace))
	for {
		if _, _, err := rc.r.next(rc.buf); err != nil {
			return
		}
	}
}

// close keeps the current file's verified bytes (or none, when they are
// not to be kept) and records them; an item with nothing in it is removed
// altogether.
func (rc *receiving) close() {
	if rc.root == nil {
		return
	}
	defer rc.root.Close()
	cur := rc.cur
	if cur == nil {
		return
	}
	off := cur.off // a failed write may have left part of a chunk beyond it: cut
	if cur.discard {
		off = 0
	}
	if cur.fh != nil {
		_ = cur.fh.Truncate(off)
		_ = cur.fh.Close()
	}
	k := rc.plan.Files[cur.index].Item
	it := &rc.plan.Items[k]
	if rc.items[k].done == 0 && off == 0 {
		_ = rc.root.RemoveAll(it.Target + partSuffix)
		_ = rc.root.Remove(it.Target + recordSuffix)
		return
	}
	rc.writeRecord(k, off)
}
