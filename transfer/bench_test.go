package transfer

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLoopback measures the goodput of a 256 MB file sent over TCP
// loopback, from a file to a file, against a plain io.Copy of the same
// file over the same kind of connection into a file, which Linux does
// without copying a byte (sendfile on one side, splice on the other), and
// against io.Copy through a 1 MiB buffer in user space (the copies a
// transfer makes too, without the hashing and the protocol). The numbers
// are MB/s of file bytes; "ratio" is transfer/io.Copy.
//
//	go test -run '^$' -bench Loopback -benchtime 3x ./transfer/
func BenchmarkLoopback(b *testing.B) {
	const size = 256 << 20
	src := filepath.Join(b.TempDir(), "big.bin")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	chunk := pattern(1 << 20)
	for range size >> 20 {
		chunk[0]++ // no two chunks alike
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	f.Close()
	o := mustOffer(b, src)

	var copyTime, userTime, transferTime time.Duration
	b.ResetTimer()
	for range b.N {
		dst := b.TempDir()
		copyTime += timed(b, func() { plainCopy(b, src, filepath.Join(dst, "copy.bin"), false) })
		userTime += timed(b, func() { plainCopy(b, src, filepath.Join(dst, "user.bin"), true) })
		transferTime += timed(b, func() {
			out := run{net: tcpPair}.do(b, o, dst)
			if out.sendErr != nil || out.recvErr != nil {
				b.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
			}
		})
		os.RemoveAll(dst)
	}
	mb := float64(size) / 1e6 * float64(b.N)
	b.ReportMetric(mb/transferTime.Seconds(), "MB/s")
	b.ReportMetric(mb/copyTime.Seconds(), "io.Copy-MB/s")
	b.ReportMetric(mb/userTime.Seconds(), "buffered-io.Copy-MB/s")
	b.ReportMetric(copyTime.Seconds()/transferTime.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}

func timed(b *testing.B, f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// plainCopy sends the file at src over a TCP loopback connection into a
// file at dst with io.Copy on both ends; through a buffer in user space
// when buffered, else as the system can (sendfile, splice).
func plainCopy(b *testing.B, src, dst string, buffered bool) {
	a, c := tcpPair(b)
	done := make(chan error, 1)
	go func() {
		out, err := os.Create(dst)
		if err == nil {
			if buffered {
				_, err = io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{c}, make([]byte, 1<<20))
			} else {
				_, err = io.Copy(out, c)
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		done <- err
	}()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	var r io.Reader = in
	var w io.Writer = a
	if buffered {
		r, w = struct{ io.Reader }{in}, struct{ io.Writer }{a}
	}
	if _, err := io.CopyBuffer(w, r, make([]byte, 1<<20)); err != nil {
		b.Fatal(err)
	}
	in.Close()
	a.(*net.TCPConn).CloseWrite()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	a.Close()
	c.Close()
}
