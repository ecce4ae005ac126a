package transfer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/files"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// chunkOf is the frame of a chunk of data, with its right hash.
func chunkOf(index int, offset int64, data []byte) []byte {
	return files.AppendChunk(nil, files.Chunk{Index: index, Offset: offset, Hash: files.HashChunk(data), Data: data})
}

// fileEndOf is the frame of the file end of data, with its right hash.
func fileEndOf(index int, data []byte) []byte {
	var c files.Chain
	for off := 0; off < len(data); off += files.ChunkSize {
		c.Add(files.HashChunk(data[off:min(off+files.ChunkSize, len(data))]))
	}
	return files.AppendFileEnd(nil, files.FileEnd{Index: index, Hash: c.Sum()})
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i>>12)
	}
	return b
}

// TestLyingSender: a hand-written sender breaks the protocol in each way a
// broken or hostile one could; the receiver stops, says why, and saves
// nothing under the target's name.
func TestLyingSender(t *testing.T) {
	big := pattern(2*files.ChunkSize + 5)
	small := pattern(10)
	wrongHash := files.AppendChunk(nil, files.Chunk{Index: 0, Offset: files.ChunkSize, Hash: files.HashChunk([]byte("other")), Data: big[files.ChunkSize : 2*files.ChunkSize]})
	cases := map[string]struct {
		sizes  []int64
		frames [][]byte
		want   error
		part   []byte // what the part of the first file keeps; nil: no part at all
	}{
		"it sends more bytes than offered":     {[]int64{10}, [][]byte{chunkOf(0, 0, pattern(11))}, ErrProtocol, nil},
		"it sends a chunk past the end":        {[]int64{10}, [][]byte{chunkOf(0, 0, small), chunkOf(0, files.ChunkSize, small)}, ErrProtocol, small},
		"it ends a file early":                 {[]int64{10}, [][]byte{chunkOf(0, 0, small[:5]), fileEndOf(0, small[:5])}, ErrProtocol, nil},
		"it sends a short chunk in the middle": {[]int64{2 * files.ChunkSize}, [][]byte{chunkOf(0, 0, small)}, ErrProtocol, nil},
		"it sends a chunk with a wrong hash":   {[]int64{int64(len(big))}, [][]byte{chunkOf(0, 0, big[:files.ChunkSize]), wrongHash}, ErrDamaged, big[:files.ChunkSize]},
		"it sends a wrong file hash": {[]int64{10}, [][]byte{chunkOf(0, 0, small),
			files.AppendFileEnd(nil, files.FileEnd{Index: 0})}, ErrDamaged, nil},
		"it sends chunks out of order":  {[]int64{int64(len(big))}, [][]byte{chunkOf(0, files.ChunkSize, big[files.ChunkSize:2*files.ChunkSize])}, ErrProtocol, nil},
		"it sends another file's chunk": {[]int64{10, 10}, [][]byte{chunkOf(1, 0, small)}, ErrProtocol, nil},
		"it sends a malformed chunk":    {[]int64{10}, [][]byte{framing.AppendFrame(nil, files.MsgChunk, []byte{0, 1})}, ErrProtocol, nil},
		"it sends an unknown message":   {[]int64{10}, [][]byte{framing.AppendFrame(nil, 0x99, nil)}, ErrProtocol, nil},
		"it sends a Done":               {[]int64{10}, [][]byte{files.AppendDone(nil)}, ErrProtocol, nil},
		"it announces a huge frame":     {[]int64{10}, [][]byte{binary.AppendUvarint(nil, files.MaxMessage+1)}, ErrProtocol, nil},
		"it hangs up in the middle":     {[]int64{int64(len(big))}, [][]byte{chunkOf(0, 0, big[:files.ChunkSize]), nil}, ErrConnection, big[:files.ChunkSize]},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dst := t.TempDir()
			a, b := pipePair(t)
			o := &files.Offer{ID: files.ID{1, 2, 3}}
			for i, s := range c.sizes {
				o.Entries = append(o.Entries, files.Entry{Name: string(rune('a'+i)) + ".bin", Size: s, Mode: 0o644})
			}
			var recvErr error
			var wg sync.WaitGroup
			wg.Go(func() {
				defer b.Close()
				r := NewReceiver(b)
				offer, err := r.ReadOffer(context.Background())
				if err != nil {
					recvErr = err
					return
				}
				layout, err := Plan(dst, offer)
				if err != nil {
					recvErr = err
					return
				}
				_, recvErr = r.Receive(context.Background(), layout, nil)
			})
			cancel := fakeSender(t, a, o, c.frames)
			a.Close()
			wg.Wait()
			if !errors.Is(recvErr, c.want) {
				t.Fatalf("Receive = %v, want %v", recvErr, c.want)
			}
			t.Log(recvErr)
			if c.want != ErrConnection {
				if cancel == nil || cancel.Kind != files.CancelFailed || cancel.Reason == "" {
					t.Errorf("the sender was told %+v", cancel)
				} else {
					t.Logf("the sender was told: %s", cancel.Reason)
				}
			}
			got := listTree(t, dst)
			if _, ok := got["a.bin"]; ok {
				t.Error("the file was saved")
			}
			if part, ok := got["a.bin"+partSuffix]; ok != (c.part != nil) || !bytes.Equal(part, c.part) {
				t.Errorf("the part holds %d bytes (there: %v), want the %d verified", len(part), ok, len(c.part))
			}
		})
	}
}

// fakeSender offers o on c, reads the answer, writes frames (nil: hang
// up), and returns the Cancel the receiver sent, if any.
func fakeSender(t *testing.T, c net.Conn, o *files.Offer, frames [][]byte) *files.Cancel {
	t.Helper()
	b, err := files.AppendOffer(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	fr := framing.NewFrameReader(c, files.MaxMessage)
	typ, body, err := fr.ReadFrame()
	if err != nil || typ != files.MsgAnswer {
		t.Fatalf("answer: %#x, %v", typ, err)
	}
	if a, err := files.DecodeAnswer(body, o); err != nil || !a.Accepted {
		t.Fatalf("answer %+v, %v", a, err)
	}
	got := make(chan *files.Cancel, 1)
	go func() {
		typ, body, err := fr.ReadFrame()
		if err != nil || typ != files.MsgCancel {
			got <- nil
			return
		}
		c, err := files.DecodeCancel(body)
		if err != nil {
			got <- nil
			return
		}
		got <- &c
	}()
	for _, f := range frames {
		if f == nil {
			c.Close()
			break
		}
		if _, err := c.Write(f); err != nil {
			break // the receiver stopped reading: it has had enough
		}
	}
	return <-got
}

// TestLyingReceiver: a hand-written receiver breaks the protocol; the
// sender stops and says why.
func TestLyingReceiver(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.bin"), 2*files.ChunkSize+1)
	o := mustOffer(t, filepath.Join(src, "a.bin"))
	answer := func(a *files.Answer) []byte {
		b, err := files.AppendAnswer(nil, a, toWire(o))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	oddOffset := framing.AppendFrame(nil, files.MsgAnswer, append([]byte{1, 1, 0}, binary.AppendUvarint(nil, 4096)...))
	cancel, _ := files.AppendCancel(nil, files.Cancel{Kind: files.CancelFailed, Reason: "Out of coffee."})
	cases := map[string]struct {
		frames [][]byte
		check  func(error) bool
	}{
		"it answers with an odd offset":    {[][]byte{oddOffset}, func(err error) bool { return errors.Is(err, ErrProtocol) }},
		"it sends a chunk":                 {[][]byte{chunkOf(0, 0, []byte("x"))}, func(err error) bool { return errors.Is(err, ErrProtocol) }},
		"it says done before the end":      {[][]byte{answer(&files.Answer{Accepted: true, Resume: []files.Resume{{}}}), files.AppendDone(nil)}, func(err error) bool { return errors.Is(err, ErrProtocol) }},
		"it cancels with a reason":         {[][]byte{answer(&files.Answer{Accepted: true, Resume: []files.Resume{{}}}), cancel}, isCancel("Out of coffee.")},
		"it cancels instead of answering":  {[][]byte{cancel}, isCancel("Out of coffee.")},
		"it hangs up instead of answering": {nil, func(err error) bool { return errors.Is(err, ErrConnection) }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a, b := pipePair(t)
			var wg sync.WaitGroup
			wg.Go(func() {
				defer b.Close()
				fr := framing.NewFrameReader(b, files.MaxMessage)
				if _, _, err := fr.ReadFrame(); err != nil {
					t.Error(err)
					return
				}
				// Read on (and drop) what the sender sends, as a
				// receiver that left would not block it.
				go func() {
					for {
						if _, _, err := fr.ReadFrame(); err != nil {
							return
						}
					}
				}()
				for _, f := range c.frames {
					b.Write(f)
				}
			})
			err := Send(context.Background(), a, o, nil)
			a.Close()
			wg.Wait()
			if !c.check(err) {
				t.Fatalf("Send = %v", err)
			}
			t.Log(err)
		})
	}
}

func isCancel(reason string) func(error) bool {
	return func(err error) bool {
		var ce *CancelledError
		return errors.As(err, &ce) && !ce.ByUser && ce.Reason == reason && strings.Contains(err.Error(), reason)
	}
}

// TestUnsafeOfferOnTheWire: an offer with a name that climbs out of the
// folder arrives as it was sent, is refused by CheckOffer and Plan, and
// is declined: nothing is written.
func TestUnsafeOfferOnTheWire(t *testing.T) {
	dst := t.TempDir()
	a, b := pipePair(t)
	o := &files.Offer{Entries: []files.Entry{{Name: "ok.txt", Size: 1}, {Name: "../../.bashrc", Size: 1}, {Name: "\x1b[2Jhi", Size: 1}}}
	var planErr, checkErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer b.Close()
		r := NewReceiver(b)
		offer, err := r.ReadOffer(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		checkErr = CheckOffer(offer)
		_, planErr = Plan(dst, offer)
		r.Decline(context.Background(), "Some names are not safe.")
	})
	frame, _ := files.AppendOffer(nil, o)
	a.Write(frame)
	fr := framing.NewFrameReader(a, files.MaxMessage)
	typ, body, err := fr.ReadFrame()
	wg.Wait()
	var oe *OfferError
	if !errors.As(checkErr, &oe) || len(oe.Problems) != 2 || !errors.Is(planErr, ErrUnsafeOffer) {
		t.Fatalf("CheckOffer = %v; Plan = %v", checkErr, planErr)
	}
	if ans, derr := files.DecodeAnswer(body, o); err != nil || typ != files.MsgAnswer || derr != nil || ans.Accepted {
		t.Errorf("answer %#x %+v %v %v", typ, ans, err, derr)
	}
	if got := listTree(t, dst); len(got) != 0 {
		t.Errorf("left %q", names(got))
	}
	t.Log(checkErr)
}
