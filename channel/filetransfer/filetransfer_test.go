package filetransfer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/channel/filetransfer"
	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// ended matches the end of a transfer whose history line contains text.
func ended(text string) func(session.Event) bool {
	return func(ev session.Event) bool {
		return ev.Kind == session.EventTransfer && ev.Transfer.Ended && strings.Contains(ev.Text, text)
	}
}

// TestSendOverASession: two real sessions on loopback, the file channel on
// both sides: the novice is asked with the offer, says yes, and the file
// lands in her downloads folder; both sides end with "verified".
func TestSendOverASession(t *testing.T) {
	downloads, src := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "notes.txt")
	if err := os.WriteFile(p, []byte("the printer's IP is 192.168.1.20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bobFiles := &filetransfer.Channel{Downloads: t.TempDir()}
	aliceFiles := &filetransfer.Channel{Downloads: downloads}
	bob, alice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{bobFiles}, NoviceChannels: []session.Channel{aliceFiles},
		NoviceAnswers: func(_ context.Context, q session.Question) bool {
			return q.Kind == session.AskReceiveFiles && q.Count == 1 && q.Folder == downloads
		},
	})
	if err := bobFiles.Send([]string{p}); err != nil {
		t.Fatal(err)
	}
	alice.WaitFor(t, "the file received", ended("notes.txt received from Bob, 33 bytes, verified."))
	bob.WaitFor(t, "the file sent", ended("notes.txt sent to Alice, 33 bytes, verified."))
	if got, err := os.ReadFile(filepath.Join(downloads, "notes.txt")); err != nil || !strings.Contains(string(got), "192.168.1.20") {
		t.Errorf("the received file: %q, %v", got, err)
	}
	if err := bobFiles.Send([]string{filepath.Join(src, "missing.txt")}); err == nil {
		t.Errorf("sending a file that does not exist offered something")
	}
}

// TestSendToAPeerWithoutFiles: the other side's ra-p2p has no file channel
// (an older version): the sender says so plainly instead of waiting.
func TestSendToAPeerWithoutFiles(t *testing.T) {
	src := t.TempDir()
	p := filepath.Join(src, "notes.txt")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	bobFiles := &filetransfer.Channel{Downloads: t.TempDir()}
	bob, _ := sessiontest.Pair(t, sessiontest.Options{HelperChannels: []session.Channel{bobFiles}})
	if err := bobFiles.Send([]string{p}); err != nil {
		t.Fatal(err)
	}
	bob.WaitFor(t, "the refusal", ended("Alice's ra-p2p cannot receive files (an older version), so notes.txt was not sent."))
}
