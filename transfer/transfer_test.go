package transfer

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/stream/files"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// pipePair is two ends of a net.Pipe: every write waits for its read.
func pipePair(t testing.TB) (net.Conn, net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// tcpPair is two ends of a real TCP connection over loopback.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-accepted
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// writeFile writes n pseudo-random bytes (seeded by name) to path.
func writeFile(t testing.TB, path string, n int) []byte {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), uint64(len(path))))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	return b
}

// run is one transfer: Send of o on one end, a receiver into dir on the
// other, which accepts whatever CheckOffer and Plan allow unless decide
// says otherwise.
type run struct {
	net        func(testing.TB) (net.Conn, net.Conn)
	sendCtx    context.Context
	recvCtx    context.Context
	wrapSend   func(Stream) Stream
	decide     func(*Offer, *Layout) (bool, string)
	sendProg   func(Progress)
	recvProg   func(Progress)
	beforeRecv func(*Layout)
	// watch: while decide runs, the receiver waits for the sender to
	// withdraw (WaitWithdrawn), as a channel that asks a person does.
	watch bool
}

type outcome struct {
	sendErr, recvErr error
	planErr          error
	offer            *Offer // as received
	layout           *Layout
	res              *Result
	sendLast         Progress
	recvLast         Progress
	withdrawn        error // WaitWithdrawn's, with watch
}

func (r run) do(t testing.TB, o *Offer, dir string) outcome {
	t.Helper()
	if r.net == nil {
		r.net = pipePair
	}
	if r.sendCtx == nil {
		r.sendCtx = context.Background()
	}
	if r.recvCtx == nil {
		r.recvCtx = context.Background()
	}
	a, b := r.net(t)
	var out outcome
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer b.Close()
		rcv := NewReceiver(b)
		offer, err := rcv.ReadOffer(r.recvCtx)
		if err != nil {
			out.recvErr = err
			return
		}
		out.offer = offer
		layout, err := Plan(dir, offer)
		if err != nil {
			out.planErr = err
			out.recvErr = rcv.Decline(r.recvCtx, "The files cannot be saved here.")
			return
		}
		out.layout = layout
		if r.decide != nil {
			var watching sync.WaitGroup
			asking, asked := context.WithCancel(r.recvCtx)
			if r.watch {
				watching.Go(func() {
					if out.withdrawn = rcv.WaitWithdrawn(asking); out.withdrawn != nil {
						asked() // the question is withdrawn
					}
				})
			}
			ok, reason := r.decide(offer, layout)
			if asking.Err() != nil && r.watch {
				ok = false
			}
			asked()
			watching.Wait()
			if out.withdrawn != nil {
				out.recvErr = out.withdrawn
				return
			}
			if !ok {
				out.recvErr = rcv.Decline(r.recvCtx, reason)
				return
			}
		}
		if r.beforeRecv != nil {
			r.beforeRecv(layout)
		}
		out.res, out.recvErr = rcv.Receive(r.recvCtx, layout, func(p Progress) {
			out.recvLast = p
			if r.recvProg != nil {
				r.recvProg(p)
			}
		})
	}()
	var s Stream = a
	if r.wrapSend != nil {
		s = r.wrapSend(a)
	}
	out.sendErr = Send(r.sendCtx, s, o, func(p Progress) {
		out.sendLast = p
		if r.sendProg != nil {
			r.sendProg(p)
		}
	})
	a.Close()
	wg.Wait()
	return out
}

// mustOffer is NewOffer that must succeed.
func mustOffer(t testing.TB, paths ...string) *Offer {
	t.Helper()
	o, err := NewOffer(paths)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// listTree lists dir: "name" for files with their bytes, "name/" for folders.
func listTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			got[rel+"/"] = nil
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got[rel] = b
		default:
			got[rel+" ("+d.Type().String()+")"] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func names(m map[string][]byte) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

func TestSendSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		size int
		net  func(testing.TB) (net.Conn, net.Conn)
	}{
		{"empty", 0, pipePair},
		{"one byte", 1, pipePair},
		{"one chunk exactly", files.ChunkSize, pipePair},
		{"three chunks and a part", 3*files.ChunkSize + 12345, pipePair},
		{"three chunks and a part over TCP", 3*files.ChunkSize + 12345, tcpPair},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, dst := t.TempDir(), filepath.Join(t.TempDir(), "Downloads")
			data := writeFile(t, filepath.Join(src, "file.bin"), c.size)
			out := run{net: c.net}.do(t, mustOffer(t, filepath.Join(src, "file.bin")), dst)
			if out.sendErr != nil || out.recvErr != nil {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			got := listTree(t, dst)
			if !bytes.Equal(got["file.bin"], data) || len(got) != 1 {
				t.Fatalf("received %v", names(got))
			}
			if want := filepath.Join(dst, "file.bin"); !slices.Equal(out.res.Saved, []string{want}) {
				t.Errorf("Saved = %v, want %s", out.res.Saved, want)
			}
			info, err := os.Stat(filepath.Join(dst, "file.bin"))
			if err != nil || info.Mode().Perm() != 0o640 {
				t.Errorf("mode %v, %v, want 0640", info.Mode(), err)
			}
			if d, err := os.Stat(dst); err != nil || d.Mode().Perm() != 0o700 {
				t.Errorf("the downloads folder was made with %v, %v, want 0700", d.Mode(), err)
			}
			for _, p := range []Progress{out.sendLast, out.recvLast} {
				if p.Done != int64(c.size) || p.Total != int64(c.size) || p.Resumed != 0 {
					t.Errorf("last progress %+v", p)
				}
			}
		})
	}
}

// TestSendFolder: a folder tree with a symbolic link, a named pipe, a
// socket, an empty folder and a name a receiver refuses: the files arrive
// at their places, the rest is listed as skipped with its reason.
func TestSendFolder(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	top := filepath.Join(src, "photos")
	want := map[string][]byte{
		"photos/":                 nil,
		"photos/a.jpg":            writeFile(t, filepath.Join(top, "a.jpg"), 5000),
		"photos/2024/":            nil,
		"photos/2024/b.jpg":       writeFile(t, filepath.Join(top, "2024", "b.jpg"), files.ChunkSize+1),
		"photos/2024/deep/":       nil,
		"photos/2024/deep/c.txt":  writeFile(t, filepath.Join(top, "2024", "deep", "c.txt"), 0),
		"photos/.hidden":          writeFile(t, filepath.Join(top, ".hidden"), 3),
		"photos/links/":           nil, // holds only skipped things: made, empty
		"photos/links/inside.jpg": nil, // replaced below by the receiver's copy
	}
	delete(want, "photos/links/")
	delete(want, "photos/links/inside.jpg")
	if err := os.Symlink("/etc/passwd", filepath.Join(top, "passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(top, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../a.jpg", filepath.Join(top, "links", "inside.jpg")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(top, "2024", "pipe"))
	if l, err := net.Listen("unix", filepath.Join(top, "sock")); err == nil {
		defer l.Close()
	} else {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(top, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(top, "CON.txt"), 1)
	writeFile(t, filepath.Join(top, "esc\x1b[31m.txt"), 1)

	o := mustOffer(t, top)
	wantSkipped := []Skipped{
		{`"photos/esc\x1b[31m.txt"`, "its name contains a terminal escape (U+001B)"},
		{"photos/2024/pipe", "a named pipe"},
		{"photos/CON.txt", "its name is a reserved device name on Windows (CON)"},
		{"photos/empty", "an empty folder"},
		{"photos/links/inside.jpg", "a symbolic link"},
		{"photos/passwd", "a symbolic link"},
		{"photos/sock", "a socket"},
	}
	if !slices.Equal(o.Skipped, wantSkipped) {
		t.Errorf("skipped:\n%q\nwant\n%q", o.Skipped, wantSkipped)
	}
	out := run{net: tcpPair}.do(t, o, dst)
	if out.sendErr != nil || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if !slices.Equal(out.offer.Skipped, wantSkipped) {
		t.Errorf("the receiver sees skipped %q", out.offer.Skipped)
	}
	got := listTree(t, dst)
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("received %q\nwant %q", names(got), names(want))
	}
	for n, b := range want {
		if !bytes.Equal(got[n], b) {
			t.Errorf("%s differs", n)
		}
	}
}

func TestNewOfferRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "same.txt"), 1)
	writeFile(t, filepath.Join(dir, "b", "same.txt"), 1)
	writeFile(t, filepath.Join(dir, "b", "SAME.TXT"), 1)
	if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "fifo"))
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		paths []string
		want  error
	}{
		"a symbolic link given directly": {[]string{filepath.Join(dir, "link")}, ErrNotRegular},
		"a named pipe given directly":    {[]string{filepath.Join(dir, "fifo")}, ErrNotRegular},
		"a device":                       {[]string{"/dev/null"}, ErrNotRegular},
		"two files of the same name":     {[]string{filepath.Join(dir, "a", "same.txt"), filepath.Join(dir, "b", "same.txt")}, nil},
		"names differing in case":        {[]string{filepath.Join(dir, "b", "SAME.TXT"), filepath.Join(dir, "a", "same.txt")}, nil},
		"a missing file":                 {[]string{filepath.Join(dir, "missing")}, fs.ErrNotExist},
		"an empty folder":                {[]string{filepath.Join(dir, "empty")}, nil},
		"nothing":                        {nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			o, err := NewOffer(c.paths)
			if err == nil || o != nil {
				t.Fatalf("NewOffer = %v, %v", o, err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			t.Log(err)
		})
	}
	// Inside a folder, the second of two names that differ only in case is
	// left out, not the whole folder.
	o := mustOffer(t, filepath.Join(dir, "b"))
	if len(o.Files) != 1 || len(o.Skipped) != 1 || !strings.Contains(o.Skipped[0].Reason, "twice") {
		t.Errorf("files %v, skipped %v", o.Files, o.Skipped)
	}
}

func TestExistingNamesAreNotOverwritten(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	report := writeFile(t, filepath.Join(src, "report.pdf"), 100)
	photo := writeFile(t, filepath.Join(src, "photos", "a.jpg"), 10)
	for _, n := range []string{"report.pdf", "report (1).pdf", "photos/a.jpg", "photos (1)"} {
		if strings.HasSuffix(n, ")") {
			if err := os.Mkdir(filepath.Join(dst, n), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, n), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	o := mustOffer(t, filepath.Join(src, "report.pdf"), filepath.Join(src, "photos"))
	out := run{}.do(t, o, dst)
	if out.sendErr != nil || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if got := []string{out.layout.Items[0].Target, out.layout.Items[1].Target}; !slices.Equal(got, []string{"report (2).pdf", "photos (2)"}) {
		t.Errorf("targets %q", got)
	}
	got := listTree(t, dst)
	for n, want := range map[string][]byte{
		"report.pdf": []byte("mine"), "report (1).pdf": []byte("mine"), "photos/a.jpg": []byte("mine"),
		"report (2).pdf": report, "photos (2)/a.jpg": photo,
	} {
		if !bytes.Equal(got[n], want) {
			t.Errorf("%s: %q", n, got[n])
		}
	}
	if len(got) != 8 { // the four files, photos/, photos (1)/, photos (2)/ and its a.jpg
		t.Errorf("left %q", names(got))
	}
}

// TestTargetTakenMeanwhile: a name taken while the files arrive is not
// overwritten either: the item goes to the next free name.
func TestTargetTakenMeanwhile(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := writeFile(t, filepath.Join(src, "r.txt"), 10)
	out := run{beforeRecv: func(*Layout) {
		if err := os.WriteFile(filepath.Join(dst, "r.txt"), []byte("mine"), 0o600); err != nil {
			t.Error(err)
		}
	}}.do(t, mustOffer(t, filepath.Join(src, "r.txt")), dst)
	if out.sendErr != nil || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	got := listTree(t, dst)
	if string(got["r.txt"]) != "mine" || !bytes.Equal(got["r (1).txt"], data) || len(got) != 2 {
		t.Errorf("left %q", names(got))
	}
	if out.res.Saved[0] != filepath.Join(dst, "r (1).txt") {
		t.Errorf("Saved = %q", out.res.Saved)
	}
}

func TestDecline(t *testing.T) {
	src := t.TempDir()
	dst := filepath.Join(t.TempDir(), "not yet")
	writeFile(t, filepath.Join(src, "a.txt"), 10)
	out := run{decide: func(*Offer, *Layout) (bool, string) { return false, "Not now, thanks." }}.do(t, mustOffer(t, filepath.Join(src, "a.txt")), dst)
	var de *DeclinedError
	if !errors.As(out.sendErr, &de) || de.Reason != "Not now, thanks." || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a declined offer left the downloads folder behind: %v", err)
	}
}

// cutAfter breaks the connection once n bytes were written through it,
// as a dropped connection does.
type cutAfter struct {
	net.Conn
	n atomic.Int64
}

func (c *cutAfter) Write(b []byte) (int, error) {
	if c.n.Add(-int64(len(b))) < 0 {
		c.Conn.Close()
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

// counting counts the bytes written through it.
type counting struct {
	net.Conn
	n atomic.Int64
}

func (c *counting) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// TestResume: a transfer cut in the middle of a file is taken up by a new
// attempt of the same offer: the file done before is not sent again, the
// cut one continues from its last verified chunk, and everything arrives
// whole.
func TestResume(t *testing.T) {
	for _, c := range []struct {
		name string
		net  func(testing.TB) (net.Conn, net.Conn)
	}{{"pipe", pipePair}, {"tcp", tcpPair}} {
		t.Run(c.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			top := filepath.Join(src, "album")
			first := writeFile(t, filepath.Join(top, "1.flac"), 2*files.ChunkSize+100)
			second := writeFile(t, filepath.Join(top, "2.flac"), 6*files.ChunkSize+4321)
			single := writeFile(t, filepath.Join(src, "notes.txt"), 3*files.ChunkSize+7)
			o := mustOffer(t, top, filepath.Join(src, "notes.txt"))

			// Cut after 1.flac and about 3.5 chunks of 2.flac.
			cut := int64(len(first)) + 3*files.ChunkSize + files.ChunkSize/2
			out := run{net: c.net, wrapSend: func(s Stream) Stream {
				w := &cutAfter{Conn: s.(net.Conn)}
				w.n.Store(cut)
				return w
			}}.do(t, o, dst)
			if !errors.Is(out.sendErr, ErrConnection) || !errors.Is(out.recvErr, ErrConnection) {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			got := listTree(t, dst)
			if !slices.Equal(names(got), []string{"album.ra-p2p-part.json", "album.ra-p2p-part/", "album.ra-p2p-part/1.flac", "album.ra-p2p-part/2.flac"}) {
				t.Fatalf("after the cut: %q", names(got))
			}
			if n := len(got["album.ra-p2p-part/2.flac"]); n%files.ChunkSize != 0 || n < files.ChunkSize || n > 3*files.ChunkSize {
				t.Errorf("the cut part holds %d bytes: not whole verified chunks", n)
			}
			t.Logf("record: %s", got["album.ra-p2p-part.json"])

			// The same offer again: 1.flac is had, 2.flac resumes.
			var sent *counting
			out = run{net: c.net, wrapSend: func(s Stream) Stream {
				sent = &counting{Conn: s.(net.Conn)}
				return sent
			}}.do(t, o, dst)
			if out.sendErr != nil || out.recvErr != nil {
				t.Fatalf("second attempt: send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			pl := out.layout.Files
			if !pl[0].Have || pl[1].Have || pl[1].Offset == 0 || pl[2].Offset != 0 {
				t.Errorf("placements %+v", pl)
			}
			remaining := int64(len(second)) - pl[1].Offset + int64(len(single))
			if moved := out.sendLast.Done - out.sendLast.Resumed; moved > remaining {
				t.Errorf("moved %d bytes of files, %d were missing", moved, remaining)
			}
			// 1.flac not again; 2.flac from at most one chunk before the cut.
			if cutIn2 := cut - int64(len(first)); int64(len(second))-pl[1].Offset > int64(len(second))-cutIn2+files.ChunkSize {
				t.Errorf("resumed 2.flac at %d after a cut at %d", pl[1].Offset, cutIn2)
			}
			if overhead := sent.n.Load() - remaining; overhead > 4<<10 {
				t.Errorf("%d bytes written besides the missing file bytes", overhead)
			}
			got = listTree(t, dst)
			want := map[string][]byte{"album/": nil, "album/1.flac": first, "album/2.flac": second, "notes.txt": single}
			if !slices.Equal(names(got), names(want)) {
				t.Fatalf("after the resume: %q", names(got))
			}
			for n, b := range want {
				if !bytes.Equal(got[n], b) {
					t.Errorf("%s differs", n)
				}
			}
		})
	}
}

// TestResumeChecksThePrefix: when the part's prefix was damaged on the
// receiver's disk, or the file changed on the sender's since the cut,
// the resumed file fails its hash check and starts again next time.
func TestResumeChecksThePrefix(t *testing.T) {
	for name, damage := range map[string]func(src, dst string){
		"the receiver's part was damaged": func(src, dst string) {
			f, err := os.OpenFile(filepath.Join(dst, "big.bin.ra-p2p-part"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("XXXX"), 10)
			f.Close()
		},
		"the sender's file changed": func(src, dst string) {
			f, err := os.OpenFile(filepath.Join(src, "big.bin"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("XXXX"), 10)
			f.Close()
		},
	} {
		t.Run(name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(src, "big.bin"), 4*files.ChunkSize+1)
			o := mustOffer(t, filepath.Join(src, "big.bin"))
			out := run{wrapSend: func(s Stream) Stream {
				w := &cutAfter{Conn: s.(net.Conn)}
				w.n.Store(2*files.ChunkSize + 100)
				return w
			}}.do(t, o, dst)
			if out.recvErr == nil {
				t.Fatal("the cut went unnoticed")
			}
			damage(src, dst)
			out = run{}.do(t, o, dst)
			if out.layout.Files[0].Offset == 0 {
				t.Fatal("nothing was resumed")
			}
			var ce *CancelledError
			if !errors.Is(out.recvErr, ErrDamaged) || !errors.As(out.sendErr, &ce) || !strings.Contains(ce.Reason, "damaged") {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			if _, err := os.Stat(filepath.Join(dst, "big.bin")); !errors.Is(err, fs.ErrNotExist) {
				t.Error("a file that failed its check was saved")
			}
			// The next attempt starts over, and succeeds.
			out = run{}.do(t, o, dst)
			if out.sendErr != nil || out.recvErr != nil || out.layout.Files[0].Offset != 0 {
				t.Fatalf("third attempt from %d: send: %v; receive: %v", out.layout.Files[0].Offset, out.sendErr, out.recvErr)
			}
			src1, _ := os.ReadFile(filepath.Join(src, "big.bin"))
			dst1, _ := os.ReadFile(filepath.Join(dst, "big.bin"))
			if !bytes.Equal(src1, dst1) {
				t.Error("the file differs")
			}
		})
	}
}

// TestDamagedRecord: a record that does not parse means its part starts
// again, in the same place.
func TestDamagedRecord(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := writeFile(t, filepath.Join(src, "a.bin"), 2*files.ChunkSize)
	os.WriteFile(filepath.Join(dst, "a.bin.ra-p2p-part"), []byte("half"), 0o600)
	os.WriteFile(filepath.Join(dst, "a.bin.ra-p2p-part.json"), []byte(`{"v":1,"offer":`), 0o600)
	out := run{}.do(t, mustOffer(t, filepath.Join(src, "a.bin")), dst)
	if out.sendErr != nil || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if got := listTree(t, dst); !bytes.Equal(got["a.bin"], data) || len(got) != 1 {
		t.Errorf("left %q", names(got))
	}
}

// TestCancel: either side's ctx ends the transfer; the other side learns
// the person cancelled; the receiver keeps only the verified part.
func TestCancel(t *testing.T) {
	for _, side := range []string{"sender", "receiver"} {
		for _, nw := range []struct {
			name string
			net  func(testing.TB) (net.Conn, net.Conn)
		}{{"pipe", pipePair}, {"tcp", tcpPair}} {
			t.Run(side+" over "+nw.name, func(t *testing.T) {
				src, dst := t.TempDir(), t.TempDir()
				writeFile(t, filepath.Join(src, "big.bin"), 40*files.ChunkSize)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				r := run{net: nw.net}
				stopAt := func(p Progress) {
					if p.Done >= 3*files.ChunkSize {
						cancel()
					}
				}
				var mine, theirs *error
				out := &outcome{}
				if side == "sender" {
					r.sendCtx, r.sendProg = ctx, stopAt
					mine, theirs = &out.sendErr, &out.recvErr
				} else {
					r.recvCtx, r.recvProg = ctx, stopAt
					mine, theirs = &out.recvErr, &out.sendErr
				}
				start := time.Now()
				*out = r.do(t, mustOffer(t, filepath.Join(src, "big.bin")), dst)
				var ce *CancelledError
				if !errors.Is(*mine, context.Canceled) || !errors.As(*theirs, &ce) || !ce.ByUser {
					t.Fatalf("the cancelling side: %v; the other: %v", *mine, *theirs)
				}
				if d := time.Since(start); d > cancelGrace {
					t.Errorf("cancelling took %v", d)
				}
				got := listTree(t, dst)
				if !slices.Equal(names(got), []string{"big.bin.ra-p2p-part", "big.bin.ra-p2p-part.json"}) {
					t.Errorf("left %q", names(got))
				}
				if n := len(got["big.bin.ra-p2p-part"]); n%files.ChunkSize != 0 || n == 0 {
					t.Errorf("the part holds %d bytes", n)
				}
			})
		}
	}
}

// TestCancelBeforeAnything: cancelled before a byte arrived, a transfer
// leaves nothing at all.
func TestCancelBeforeAnything(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src, "a.bin"), 10)
	ctx, cancel := context.WithCancel(context.Background())
	out := run{recvCtx: ctx, beforeRecv: func(*Layout) { cancel() }}.do(t, mustOffer(t, filepath.Join(src, "a.bin")), dst)
	var ce *CancelledError
	if !errors.Is(out.recvErr, context.Canceled) || !errors.As(out.sendErr, &ce) || !ce.ByUser {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if got := listTree(t, dst); len(got) != 0 {
		t.Errorf("left %q", names(got))
	}
}

// TestSenderCancelsWhileAsked: the person may take their time; when the
// sender gives up meanwhile, the receiver hears of it at once
// (WaitWithdrawn), and even without watching, Receive says so.
func TestSenderCancelsWhileAsked(t *testing.T) {
	for _, c := range []struct {
		name  string
		net   func(testing.TB) (net.Conn, net.Conn)
		watch bool
	}{{"pipe, watching", pipePair, true}, {"tcp, watching", tcpPair, true}, {"tcp, not watching", tcpPair, false}} {
		t.Run(c.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(src, "a.bin"), 10)
			ctx, cancel := context.WithCancel(context.Background())
			start := time.Now()
			out := run{net: c.net, sendCtx: ctx, watch: c.watch, decide: func(*Offer, *Layout) (bool, string) {
				cancel()
				time.Sleep(100 * time.Millisecond) // the person reads the question
				return true, ""
			}}.do(t, mustOffer(t, filepath.Join(src, "a.bin")), dst)
			var ce *CancelledError
			if !errors.Is(out.sendErr, context.Canceled) || !errors.As(out.recvErr, &ce) || !ce.ByUser {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			if c.watch && !errors.As(out.withdrawn, &ce) {
				t.Errorf("WaitWithdrawn = %v", out.withdrawn)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if got := listTree(t, dst); len(got) != 0 {
				t.Errorf("left %q", names(got))
			}
		})
	}
}

// TestWatchingThenAccepting: a read ahead while the person decides is
// taken over by Receive (and ended by Decline).
func TestWatchingThenAnswering(t *testing.T) {
	for _, accept := range []bool{true, false} {
		src, dst := t.TempDir(), t.TempDir()
		data := writeFile(t, filepath.Join(src, "a.bin"), 2*files.ChunkSize+3)
		out := run{watch: true, decide: func(*Offer, *Layout) (bool, string) {
			time.Sleep(20 * time.Millisecond)
			return accept, "No."
		}}.do(t, mustOffer(t, filepath.Join(src, "a.bin")), dst)
		if accept {
			if out.sendErr != nil || out.recvErr != nil || !bytes.Equal(listTree(t, dst)["a.bin"], data) {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			continue
		}
		var de *DeclinedError
		if !errors.As(out.sendErr, &de) || out.recvErr != nil {
			t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
		}
	}
}

// TestFileChangesWhileSent: never more than the offered bytes, and a file
// that changed is not delivered as verified.
func TestFileChangesWhileSent(t *testing.T) {
	for name, change := range map[string]func(path string){
		"it grows": func(path string) {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(make([]byte, 3*files.ChunkSize))
			f.Close()
		},
		"it shrinks":      func(path string) { os.Truncate(path, files.ChunkSize+5) },
		"it is rewritten": func(path string) { f, _ := os.OpenFile(path, os.O_WRONLY, 0); f.WriteAt([]byte("new"), 0); f.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			path := filepath.Join(src, "log.txt")
			writeFile(t, path, 3*files.ChunkSize+10)
			once := sync.Once{}
			var sent *counting
			out := run{
				sendProg: func(p Progress) {
					if p.Done > 0 {
						once.Do(func() { time.Sleep(10 * time.Millisecond); change(path) })
					}
				},
				wrapSend: func(s Stream) Stream { sent = &counting{Conn: s.(net.Conn)}; return sent },
			}.do(t, mustOffer(t, path), dst)
			var ce *CancelledError
			if !errors.Is(out.sendErr, ErrChanged) || !errors.As(out.recvErr, &ce) || !strings.Contains(ce.Reason, "changed") {
				t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
			if n := sent.n.Load(); n > 3*files.ChunkSize+10+4<<10 {
				t.Errorf("%d bytes went out for a file of %d", n, 3*files.ChunkSize+10)
			}
			if got := listTree(t, dst); len(got) != 0 {
				t.Errorf("left %q", names(got))
			}
		})
	}
	t.Run("it changed after the offer", func(t *testing.T) {
		src, dst := t.TempDir(), t.TempDir()
		path := filepath.Join(src, "log.txt")
		writeFile(t, path, 100)
		o := mustOffer(t, path)
		writeFile(t, path, 200)
		out := run{}.do(t, o, dst)
		if !errors.Is(out.sendErr, ErrChanged) {
			t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
		}
	})
}

// TestSwappedInSymlink: a symbolic link put in a part's place meanwhile
// does not lead the receiver's writes outside its folder.
func TestSwappedInSymlink(t *testing.T) {
	src, dst, outside := t.TempDir(), t.TempDir(), t.TempDir()
	top := filepath.Join(src, "docs")
	writeFile(t, filepath.Join(top, "a.txt"), 2*files.ChunkSize)
	writeFile(t, filepath.Join(top, "sub", "b.txt"), 10)
	var once sync.Once
	out := run{recvProg: func(p Progress) {
		if p.Done > 0 { // a.txt is arriving: its part folder is there
			once.Do(func() {
				if err := os.Symlink(outside, filepath.Join(dst, "docs"+partSuffix, "sub")); err != nil {
					t.Error(err)
				}
			})
		}
	}}.do(t, mustOffer(t, top), dst)
	if out.recvErr == nil || out.sendErr == nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	t.Log(out.recvErr)
	if got := listTree(t, outside); len(got) != 0 {
		t.Errorf("written outside the downloads folder: %q", names(got))
	}
	if _, err := os.Stat(filepath.Join(dst, "docs")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a failed transfer was put in place")
	}
}

// TestResumeAfterTheNameCameFree: the part of an earlier attempt is found
// by its record even when the name before it came free meanwhile.
func TestResumeAfterTheNameCameFree(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := writeFile(t, filepath.Join(src, "report.pdf"), 3*files.ChunkSize)
	if err := os.WriteFile(filepath.Join(dst, "report.pdf"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := mustOffer(t, filepath.Join(src, "report.pdf"))
	out := run{wrapSend: func(s Stream) Stream {
		w := &cutAfter{Conn: s.(net.Conn)}
		w.n.Store(2*files.ChunkSize + 100)
		return w
	}}.do(t, o, dst)
	if out.recvErr == nil || out.layout.Items[0].Target != "report (1).pdf" {
		t.Fatalf("first attempt: %v, target %q", out.recvErr, out.layout.Items[0].Target)
	}
	os.Remove(filepath.Join(dst, "report.pdf"))
	out = run{}.do(t, o, dst)
	if out.sendErr != nil || out.recvErr != nil {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if it := out.layout.Items[0]; it.Target != "report (1).pdf" || !it.Resumed || out.layout.Files[0].Offset == 0 {
		t.Errorf("second attempt: %+v, from %d", it, out.layout.Files[0].Offset)
	}
	if got := listTree(t, dst); !bytes.Equal(got["report (1).pdf"], data) || len(got) != 1 {
		t.Errorf("left %q", names(got))
	}
}

// TestOfferIDFollowsTheFiles: offering the same unchanged files again
// (in a later session, say) gives the same ID, so the receiver finds the
// parts an interrupted attempt left; a file changed since gives another.
func TestOfferIDFollowsTheFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(p, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	offer := func() [16]byte {
		t.Helper()
		o, err := NewOffer([]string{p})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	a, b := offer(), offer()
	if a != b {
		t.Errorf("the same file offered twice has two IDs")
	}
	if err := os.WriteFile(p, []byte("second"), 0o644); err != nil {
		t.Fatal(err)
	}
	if offer() == a {
		t.Errorf("a changed file keeps its offer's ID")
	}
}
