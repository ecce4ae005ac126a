//go:build unix

package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
)

// TestReadInvitationRefusesWhatIsNotOne: what is not an invitation file is
// refused at once with a sentence, without reading it whole or waiting for
// a writer (`ra-p2p help /dev/zero` grew without bound; a FIFO hung).
func TestReadInvitationRefusesWhatIsNotOne(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.rainvite")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.rainvite")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil { // sparse: 2 GB that take no space
		t.Fatal(err)
	}
	f.Close()
	cases := map[string]struct{ path, says string }{
		"a device that never ends": {"/dev/zero", "is not an invitation file"},
		"a pipe with no writer":    {fifo, "is not an invitation file"},
		"a folder":                 {dir, "is not an invitation file"},
		"a 2 GB file":              {huge, "far too large to be an invitation"},
		"no such file":             {filepath.Join(dir, "none.rainvite"), "Could not read the invitation"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := session.ReadInvitation(tc.path)
				done <- err
			}()
			select {
			case err := <-done:
				var f *session.Failure
				if !errors.As(err, &f) || !strings.Contains(f.Message, tc.says) {
					t.Errorf("ReadInvitation(%s) = %v, want a Failure saying %q", tc.path, err, tc.says)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("ReadInvitation(%s) still reading after 5 s", tc.path)
			}
		})
	}
}
