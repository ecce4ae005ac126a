//go:build linux

package test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
)

// TestSendFilesBothWays: the real binaries in two homes behind NAT routers,
// over their direct connection. The helper sends an empty file, a 1-byte
// file, a 24 MiB random file and a folder tree (with a symbolic link in
// it, left out and said so) with /send; the novice sees the whole offer
// before anything is written, saves it, and every file lands whole where
// she keeps downloads. The other way, the helper declines a file (nothing
// is written) and then saves it twice: the second copy does not overwrite
// the first.
func TestSendFilesBothWays(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	w := newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
	noviceDir, helperDir, src := t.TempDir(), t.TempDir(), t.TempDir()
	n := w.startNovice("novice", []string{"--downloads", noviceDir}, nil)
	h := w.startHelper("helper", n.file, []string{"--downloads", helperDir}, nil)
	acceptDirect(t, n, h, time.Now(), 30*time.Second)
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)

	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 24<<20)
	rand.Read(big)
	write("empty.txt", nil)
	write("one.bin", []byte{42})
	write("big.bin", big)
	write("photos/a.jpg", []byte("a picture"))
	write("photos/2024/b.jpg", bytes.Repeat([]byte("b"), 3<<20+5))
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "photos", "link")); err != nil {
		t.Fatal(err)
	}

	send(t, h, src, "empty.txt", "one.bin", "big.bin", "photos")
	mustWait(t, n.proc, `Bob wants to send you 5 files \(28\.3 MB\): empty\.txt, one\.bin, big\.bin, photos/\. They will be saved in `+
		regexp.QuoteMeta(noviceDir)+`\. Save them\? \[y/N\]`, 20*time.Second)
	if entries, _ := os.ReadDir(noviceDir); len(entries) != 0 {
		t.Errorf("something was written before the novice answered: %v", entries)
	}
	answer(t, n.proc, "y")
	mustWait(t, n.proc, `Bob's computer left out 1 item: photos/link \(a symbolic link\)`, 20*time.Second)
	mustWait(t, n.proc, `5 files received from Bob, 28\.3 MB, verified\.`, 60*time.Second)
	mustWait(t, h, `5 files sent to Alice, 28\.3 MB, verified\.`, 10*time.Second)
	for _, name := range []string{"empty.txt", "one.bin", "big.bin", "photos/a.jpg", "photos/2024/b.jpg"} {
		sameFile(t, filepath.Join(src, name), filepath.Join(noviceDir, name))
	}
	if _, err := os.Lstat(filepath.Join(noviceDir, "photos", "link")); err == nil {
		t.Errorf("the symbolic link was received")
	}

	// The other way: declined, then saved twice.
	write("notes.txt", []byte("the printer's IP is 192.168.1.20\n"))
	send(t, n.proc, src, "notes.txt")
	mustWait(t, h, `Alice wants to send you 1 file \(33 bytes\): notes\.txt\. It will be saved in `+regexp.QuoteMeta(helperDir), 20*time.Second)
	answer(t, h, "n")
	mustWait(t, n.proc, `Bob declined notes\.txt\.`, 10*time.Second)
	if entries, _ := os.ReadDir(helperDir); len(entries) != 0 {
		t.Errorf("a declined file left something behind: %v", entries)
	}
	for i, saved := range []string{"notes.txt", "notes (1).txt"} {
		send(t, n.proc, src, "notes.txt")
		if _, err := h.WaitForNth(regexp.MustCompile(`Alice wants to send you 1 file`), i+2, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		answer(t, h, "y")
		if _, err := n.proc.WaitForNth(regexp.MustCompile(`notes\.txt sent to Bob, 33 bytes, verified\.`), i+1, 20*time.Second); err != nil {
			t.Fatalf("%v\n%s", err, n.proc.Output())
		}
		sameFile(t, filepath.Join(src, "notes.txt"), filepath.Join(helperDir, saved))
	}
	mustWait(t, h, `notes\.txt received from Alice, 33 bytes, verified \(saved as notes \(1\)\.txt\)\.`, 5*time.Second)

	// The sender cancels while the other side is still deciding: the
	// question goes away.
	send(t, n.proc, src, "notes.txt")
	if _, err := h.WaitForNth(regexp.MustCompile(`Alice wants to send you 1 file`), 4, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	answer(t, n.proc, "/cancel")
	mustWait(t, n.proc, `You cancelled sending notes\.txt\.`, 10*time.Second)
	mustWait(t, h, `Alice no longer sends notes\.txt\.`, 10*time.Second)
	answer(t, h, "still here") // the chat has its lines back
	mustWait(t, n.proc, `Bob: still here`, 10*time.Second)
}

// send types /send with the paths of names under dir.
func send(t *testing.T, p *netlab.Proc, dir string, names ...string) {
	t.Helper()
	line := "/send"
	for _, n := range names {
		line += ` "` + filepath.Join(dir, n) + `"`
	}
	if err := p.WriteLine(line); err != nil {
		t.Fatal(err)
	}
}

func answer(t testing.TB, p *netlab.Proc, line string) {
	t.Helper()
	if err := p.WriteLine(line); err != nil {
		t.Fatal(err)
	}
}

// sameFile checks that got holds what want holds.
func sameFile(t *testing.T, want, got string) {
	t.Helper()
	sum := func(p string) ([]byte, int64) {
		f, err := os.Open(p)
		if err != nil {
			t.Errorf("%v", err)
			return nil, -1
		}
		defer f.Close()
		h := sha256.New()
		n, _ := io.Copy(h, f)
		return h.Sum(nil), n
	}
	ws, wn := sum(want)
	gs, gn := sum(got)
	if !bytes.Equal(ws, gs) || wn != gn {
		t.Errorf("%s (%d bytes) differs from %s (%d bytes)", got, gn, want, wn)
	}
}

// TestFileResumesAfterLinkCut: a 40 MB file moves over the helper's
// uplink shaped to 40 Mbit/s (tbf on the helper's router); a quarter of
// the way the novice's router loses its internet link for 4 s. The
// session reconnects by itself, the helper's side offers the file again,
// the novice's side recognises it (no second question) and goes on from
// its last verified chunk: the file lands whole, and the helper's router
// carried at most 1.05× the file to the novice's home.
func TestFileResumesAfterLinkCut(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	w := newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
	noviceDir, src := t.TempDir(), t.TempDir()
	data := make([]byte, 40<<20)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(src, "disk.img"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lab.Run(w.lab.RouterNS("helper"), "tc", "qdisc", "add", "dev", "wan", "root", "tbf",
		"rate", "40mbit", "burst", "64kb", "latency", "100ms"); err != nil {
		t.Fatal(err)
	}
	n := w.startNovice("novice", []string{"--downloads", noviceDir}, nil)
	h := w.startHelper("helper", n.file, nil, nil)
	acceptDirect(t, n, h, time.Now(), 30*time.Second)
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)
	w.lab.ResetCounters()

	send(t, h, src, "disk.img")
	mustWait(t, n.proc, `Bob wants to send you 1 file \(41\.9 MB\): disk\.img\. .* Save it\? \[y/N\]`, 20*time.Second)
	answer(t, n.proc, "y")
	mustWait(t, n.proc, `Receiving disk\.img: (2[5-9]|[3-9]\d)%`, 30*time.Second)
	router := w.lab.RouterNS("novice")
	if _, err := w.lab.Run(router, "ip", "link", "set", "wan", "down"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Reconnecting to Bob…`, 10*time.Second)
	time.Sleep(4 * time.Second)
	if _, err := w.lab.Run(router, "ip", "link", "set", "wan", "up"); err != nil {
		t.Fatal(err)
	}
	mustWait(t, n.proc, `Receiving disk\.img from Bob goes on where it stopped\.`, 30*time.Second)
	mustWait(t, n.proc, `disk\.img received from Bob, 41\.9 MB, verified\.`, 60*time.Second)
	mustWait(t, h, `disk\.img sent to Alice, 41\.9 MB, verified\.`, 10*time.Second)
	sameFile(t, filepath.Join(src, "disk.img"), filepath.Join(noviceDir, "disk.img"))
	if m := regexp.MustCompile(`Save it\?`).FindAllString(n.proc.Output(), -1); len(m) != 1 {
		t.Errorf("the novice was asked %d times, want once", len(m))
	}
	if m := regexp.MustCompile(`Receiving disk\.img: 0%`).FindAllString(n.proc.Output(), -1); len(m) != 1 {
		t.Errorf("the novice's progress started from 0%% %d times, want once (the resumed part counts)", len(m))
	}
	b, err := w.lab.RouterBytes("helper")
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(b.ToOtherHome) / float64(len(data))
	t.Logf("the helper's router carried %d bytes to the novice's home: %.3f× the file", b.ToOtherHome, ratio)
	if ratio > 1.05 {
		t.Errorf("%.3f× the file crossed the link, want ≤ 1.05×", ratio)
	}
}

// TestFilesToAFullDisk: the novice keeps downloads on a small disk (a 24
// MB tmpfs). A file bigger than the room left is refused before she is
// asked, with the reason on both sides; a file that fits when offered but
// not once something else filled the disk fails with "the disk is full"
// on her side and the reason on the helper's, and the session goes on.
func TestFilesToAFullDisk(t *testing.T) {
	t.Parallel() // namespaces only: beside the other network tests (doc.go)
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mounting a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", disk).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", disk, err, out)
		}
	})
	w := newWorld(t, netlab.Options{Nodes: 2,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
	src := t.TempDir()
	for name, size := range map[string]int{"huge.bin": 30 << 20, "video.mp4": 16 << 20} {
		data := make([]byte, size)
		rand.Read(data)
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.lab.Run(w.lab.RouterNS("helper"), "tc", "qdisc", "add", "dev", "wan", "root", "tbf",
		"rate", "40mbit", "burst", "64kb", "latency", "100ms"); err != nil {
		t.Fatal(err)
	}
	n := w.startNovice("novice", []string{"--downloads", disk}, nil)
	h := w.startHelper("helper", n.file, nil, nil)
	acceptDirect(t, n, h, time.Now(), 30*time.Second)
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)

	send(t, h, src, "huge.bin")
	mustWait(t, n.proc, `Bob tried to send you huge\.bin, but it does not fit: .*the files need 31\.5 MB`, 20*time.Second)
	mustWait(t, h, `Alice could not take huge\.bin: there is not enough free space on that computer`, 10*time.Second)

	send(t, h, src, "video.mp4")
	mustWait(t, n.proc, `Save it\? \[y/N\]`, 20*time.Second)
	answer(t, n.proc, "y")
	mustWait(t, n.proc, `Receiving video\.mp4: (2[5-9]|[3-9]\d)%`, 30*time.Second)
	// Something else fills the disk meanwhile.
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(disk, "other.dat"), "bs=1M", "count=20").CombinedOutput(); err == nil {
		t.Logf("dd filled less than the disk: %s", out)
	}
	mustWait(t, n.proc, `Receiving video\.mp4 failed: the disk is full\.`, 30*time.Second)
	mustWait(t, h, `Sending video\.mp4 stopped: .*disk.*full`, 10*time.Second)
	answer(t, h, "still connected?")
	mustWait(t, n.proc, `Bob: still connected\?`, 10*time.Second)
	if _, err := os.Stat(filepath.Join(disk, "video.mp4")); err == nil {
		t.Errorf("a file that did not fit was put in place")
	}
}
