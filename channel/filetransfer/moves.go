package filetransfer

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/cores"
	"github.com/ra-p2p/ra-p2p/internal/humansize"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/transfer"
)

// send runs one offer of this side's on l (its own goroutine).
func (c *Channel) send(l *link, out *outgoing, r *running) {
	s, peer := l.s, l.s.PeerName
	rep := c.reporter(s, session.Transfer{ID: out.id, Sending: true, What: out.what, Total: out.offer.Total()})
	defer rep.stop()
	defer cores.All()() // hashing and QUIC's crypto, each on a core
	err := c.withStream(r.ctx, s, func(st transfer.Stream) error {
		return transfer.Send(r.ctx, st, out.offer, rep.progress)
	})
	var declined *transfer.DeclinedError
	var cancelled *transfer.CancelledError
	var text string
	switch {
	case err == nil:
		text = out.what + " sent to " + peer + ", " + humansize.Bytes(out.offer.Total()) + ", verified."
	case r.cancelled.Load():
		text = "You cancelled sending " + out.what + "."
	case errors.Is(err, session.ErrNoSuchChannel):
		text = peer + "'s ra-p2p cannot receive files (an older version), so " + out.what + " was not sent."
	case errors.As(err, &declined):
		text = peer + " declined " + out.what + "."
		if declined.Reason != "" {
			text = peer + " could not take " + out.what + ": " + declined.Reason
		}
	case errors.As(err, &cancelled) && cancelled.ByUser:
		text = "Sending " + out.what + " was cancelled by " + peer + "."
	case errors.As(err, &cancelled):
		text = "Sending " + out.what + " stopped: " + cancelled.Reason
	case c.interrupted(l, err):
		rep.waiting()
		c.finish(out.id, false)
		return // sent again when the session is back
	case sessionOver(l):
		text = "Sending " + out.what + " stopped: the session ended."
	default:
		text = "Sending " + out.what + " failed: " + plain(err)
	}
	c.finish(out.id, true)
	rep.end(text, "")
}

// receive takes one offer of the other side's, on stream rw (its own
// goroutine).
func (c *Channel) receive(l *link, rw io.ReadWriteCloser) {
	defer rw.Close()
	st, ok := rw.(transfer.Stream)
	if !ok {
		c.log().Error("a file stream without deadlines", "type", rw)
		return
	}
	s, peer := l.s, l.s.PeerName
	recv := transfer.NewReceiver(st)
	o, err := recv.ReadOffer(l.ctx)
	if err != nil {
		c.log().Info("reading a file offer", "err", err)
		return
	}
	what := describe(o)
	layout, err := transfer.Plan(c.Downloads, o)
	if err != nil {
		here, there := plainPlanError(err)
		_ = recv.Decline(l.ctx, there)
		s.Emit(session.Event{Kind: session.EventStatus, Text: peer + " tried to send you " + what + ", but " + here})
		return
	}
	c.mu.Lock()
	again := c.accepted[o.ID]
	c.mu.Unlock()
	if again {
		s.Emit(session.Event{Kind: session.EventStatus, Text: "Receiving " + what + " from " + peer + " goes on where it stopped."})
	} else {
		// The question goes away if the sender gives up meanwhile.
		ask, decided := context.WithCancel(l.ctx)
		var withdrawn error
		var watch sync.WaitGroup
		watch.Go(func() {
			if withdrawn = recv.WaitWithdrawn(ask); withdrawn != nil {
				decided()
			}
		})
		ok, err := s.Confirm(ask, session.Question{Kind: session.AskReceiveFiles, Peer: peer,
			Files: topNames(layout), Count: len(o.Files), Bytes: o.Total(), Folder: layout.Dir})
		decided()
		watch.Wait()
		if withdrawn != nil {
			if l.ctx.Err() == nil {
				s.Emit(session.Event{Kind: session.EventStatus, Text: peer + " no longer sends " + what + "."})
			}
			return
		}
		if err != nil || !ok {
			_ = recv.Decline(l.ctx, "")
			if l.ctx.Err() == nil {
				s.Emit(session.Event{Kind: session.EventStatus, Text: "You declined " + what + " from " + peer + "."})
			}
			return
		}
		c.mu.Lock()
		if c.accepted == nil {
			c.accepted = map[[16]byte]bool{}
		}
		c.accepted[o.ID] = true
		c.mu.Unlock()
	}
	if len(o.Skipped) > 0 {
		s.Emit(session.Event{Kind: session.EventStatus, Text: skippedText(peer, o.Skipped)})
	}
	c.mu.Lock()
	id := c.newID("r")
	r := c.track(l.ctx, id)
	c.mu.Unlock()
	rep := c.reporter(s, session.Transfer{ID: id, What: what, Total: o.Total(), Done: o.Total() - layout.Need})
	defer rep.stop()
	defer cores.All()()
	res, err := recv.Receive(r.ctx, layout, rep.progress)
	c.finish(id, true)
	var cancelled *transfer.CancelledError
	var text, folder string
	switch {
	case res != nil: // saved, even if the sender did not hear so
		text, folder = what+" received from "+peer+", "+humansize.Bytes(o.Total())+", verified"+renamed(layout, res)+".", layout.Dir
	case r.cancelled.Load():
		text = "You cancelled receiving " + what + ". What arrived is kept, to go on if " + peer + " sends it again."
	case errors.As(err, &cancelled) && cancelled.ByUser:
		text = "Receiving " + what + " was cancelled by " + peer + "."
	case errors.As(err, &cancelled):
		text = "Receiving " + what + " stopped: " + cancelled.Reason
	case errors.Is(err, transfer.ErrDiskFull):
		text = "Receiving " + what + " failed: the disk is full. Make room in " + layout.Dir + "; what arrived is kept, to go on if " + peer + " sends it again."
	case c.interrupted(l, err):
		text = "Receiving " + what + " was interrupted by the lost connection; it goes on when the connection is back."
		rep.end(text, folder)
		return // the next attempt is taken without asking again
	case sessionOver(l):
		text = "Receiving " + what + " stopped: the session ended. What arrived is kept, to go on if " + peer + " sends it again."
	default:
		text = "Receiving " + what + " failed: " + plain(err)
	}
	c.mu.Lock()
	delete(c.accepted, o.ID) // the same files offered again are asked about again
	c.mu.Unlock()
	rep.end(text, folder)
}

// withStream opens a file stream and runs f over it.
func (c *Channel) withStream(ctx context.Context, s *session.Session, f func(transfer.Stream) error) error {
	rw, err := s.OpenChannel(ctx, stream.FileProtocol)
	if errors.Is(err, session.ErrNoSuchChannel) {
		return err
	}
	if err != nil {
		return errors.Join(transfer.ErrConnection, err)
	}
	defer rw.Close()
	st, ok := rw.(transfer.Stream)
	if !ok {
		return errors.New("a file stream without deadlines")
	}
	return f(st)
}

// interrupted says whether err is the connection's end while the session
// goes on (it is reconnecting): the transfer is taken up again.
func (c *Channel) interrupted(l *link, err error) bool {
	return !sessionOver(l) && (l.ctx.Err() != nil || errors.Is(err, transfer.ErrConnection))
}

// sessionOver says whether l's session is over.
func sessionOver(l *link) bool {
	select {
	case <-l.s.Done():
		return true
	default:
		return false
	}
}

// finish forgets a transfer that stopped moving; done: it will not be
// sent again either.
func (c *Channel) finish(id string, done bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.running[id]; r != nil {
		r.cancel()
		delete(c.running, id)
	}
	if done {
		delete(c.sending, id)
	}
}

// reporter turns a transfer's progress into events: at most four a
// second (the UI must never slow the transfer down), with the rate.
type reporter struct {
	s       *session.Session
	base    session.Transfer
	latest  atomic.Pointer[transfer.Progress]
	started time.Time // when the first progress was seen, and its Done
	from    int64
	quit    chan struct{}
	wg      sync.WaitGroup
}

// reporter starts reporting the transfer first (what an earlier attempt
// moved already in Done).
func (c *Channel) reporter(s *session.Session, first session.Transfer) *reporter {
	rep := &reporter{s: s, base: first, quit: make(chan struct{})}
	s.Emit(session.Event{Kind: session.EventTransfer, Transfer: rep.base})
	rep.wg.Go(rep.loop)
	return rep
}

// progress is the transfer's callback: it only keeps the latest.
func (rep *reporter) progress(p transfer.Progress) { rep.latest.Store(&p) }

func (rep *reporter) loop() {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var shown int64 = -1
	for {
		select {
		case <-rep.quit:
			return
		case <-tick.C:
		}
		p := rep.latest.Load()
		if p == nil || p.Done == shown {
			continue
		}
		shown = p.Done
		if rep.started.IsZero() { // the rate counts from the first chunk, not from the wait for an answer
			rep.started, rep.from = time.Now(), p.Done
		}
		t := rep.base
		t.Done, t.Total = p.Done, p.Total
		if secs := time.Since(rep.started).Seconds(); secs > 0.5 {
			t.Rate = float64(p.Done-rep.from) / secs
		}
		rep.s.Emit(session.Event{Kind: session.EventTransfer, Transfer: t})
	}
}

// stop ends the reporting loop; end and waiting say how it ended.
func (rep *reporter) stop() {
	select {
	case <-rep.quit:
	default:
		close(rep.quit)
	}
	rep.wg.Wait()
}

// end reports the transfer's end, with text for the history; folder is
// where received files are.
func (rep *reporter) end(text, folder string) {
	rep.stop()
	t := rep.base
	if p := rep.latest.Load(); p != nil {
		t.Done = p.Done
	}
	t.Ended, t.Folder = true, folder
	rep.s.Emit(session.Event{Kind: session.EventTransfer, Text: text, Transfer: t})
}

// waiting says the transfer waits for the connection to come back.
func (rep *reporter) waiting() {
	rep.stop()
	t := rep.base
	if p := rep.latest.Load(); p != nil {
		t.Done = p.Done
	}
	rep.s.Emit(session.Event{Kind: session.EventTransfer, Transfer: t})
}

// endEvent is the event of a transfer that ended without moving.
func endEvent(id string, sending bool, what, text, folder string) session.Event {
	return session.Event{Kind: session.EventTransfer, Text: text,
		Transfer: session.Transfer{ID: id, Sending: sending, What: what, Ended: true, Folder: folder}}
}

// plain is an error as a sentence's end.
func plain(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "transfer: ")
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
