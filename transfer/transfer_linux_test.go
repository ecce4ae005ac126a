package transfer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

func mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// smallDisk mounts a tmpfs of size bytes and returns its path; the test
// is skipped where mounting is not allowed.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestNotEnoughSpace: Plan refuses an offer larger than the free space,
// before anyone is asked and before anything is written.
func TestNotEnoughSpace(t *testing.T) {
	disk := smallDisk(t, "2m")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big.bin"), 3*files.ChunkSize)
	out := run{}.do(t, mustOffer(t, filepath.Join(src, "big.bin")), filepath.Join(disk, "Downloads"))
	var de *DeclinedError
	if !errors.Is(out.planErr, ErrNotEnoughSpace) || !errors.As(out.sendErr, &de) {
		t.Fatalf("plan: %v; send: %v", out.planErr, out.sendErr)
	}
	t.Log(out.planErr)
	if got := listTree(t, disk); len(got) != 0 {
		t.Errorf("left %q", names(got))
	}
}

// TestDiskFull: the disk fills up while a file arrives: the receiver says
// "the disk is full", the sender hears why, and the part keeps what was
// verified and written.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t, "2m")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big.bin"), files.ChunkSize+files.ChunkSize/2)
	out := run{beforeRecv: func(*Layout) {
		// Someone else fills the disk after the plan was made.
		if err := os.WriteFile(filepath.Join(disk, "other.bin"), make([]byte, files.ChunkSize), 0o600); err != nil {
			t.Error(err)
		}
	}}.do(t, mustOffer(t, filepath.Join(src, "big.bin")), disk)
	var ce *CancelledError
	if !errors.Is(out.recvErr, ErrDiskFull) || !errors.As(out.sendErr, &ce) || ce.ByUser {
		t.Fatalf("send: %v; receive: %v", out.sendErr, out.recvErr)
	}
	if !strings.Contains(out.recvErr.Error(), "the disk is full") || !strings.Contains(ce.Reason, "disk is full") {
		t.Errorf("receiver: %q; sender: %q", out.recvErr, ce.Reason)
	}
	t.Logf("receiver: %v; sender: %v", out.recvErr, out.sendErr)
	got := listTree(t, disk)
	if _, ok := got["big.bin"]; ok {
		t.Error("a file that did not fit was put in place")
	}
	if n := len(got["big.bin.ra-p2p-part"]); n%files.ChunkSize != 0 {
		t.Errorf("the part holds %d bytes, not whole verified chunks", n)
	}
}
