//go:build linux

package xkeys

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// reading is a Reader on a stand-in game window, run until the test ends,
// and the keys it has read.
type reading struct {
	mu   sync.Mutex
	keys []Key
}

// startReading opens a Reader on a game window of a new display, with the
// characters of mapped put on spare keys first, and focuses the window.
func startReading(t *testing.T, mapped string) (*xdisplay.Display, *reading) {
	d := xdisplay.Start(t, 640, 480)
	const title = "xkeys test"
	_, win := d.GameWindow(title, 300, 200)
	if mapped != "" {
		d.MapCharacters(mapped)
	}
	r, err := Open(d.Name, title)
	if err != nil {
		t.Fatal(err)
	}
	rd := &reading{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := r.Run(stop, func(k Key) { rd.mu.Lock(); rd.keys = append(rd.keys, k); rd.mu.Unlock() }); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	t.Cleanup(func() { close(stop); wg.Wait(); r.Close() })
	d.Do("xdotool", "windowfocus", "--sync", strconv.Itoa(int(win)))
	return d, rd
}

// reset forgets the keys read so far.
func (rd *reading) reset() {
	rd.mu.Lock()
	rd.keys = nil
	rd.mu.Unlock()
}

// waitFor waits up to d until the keys read type want, and returns what
// they type.
func (rd *reading) waitFor(want string, d time.Duration) string {
	var got string
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rd.mu.Lock()
		got = typed(rd.keys)
		rd.mu.Unlock()
		if got == want {
			break
		}
	}
	return got
}

// typed writes what the presses of keys type: the text, and <Name> for
// the other keys (<S-Name> with Shift), Shift itself left out.
func typed(keys []Key) string {
	var b strings.Builder
	for _, k := range keys {
		switch {
		case !k.Down || k.Base == 0xffe1 || k.Base == 0xffe2:
		case k.Text != 0:
			b.WriteRune(k.Text)
		case k.Shift && !k.Modifier:
			b.WriteString("<S-" + Name(k.Base) + ">")
		default:
			b.WriteString("<" + Name(k.Base) + ">")
		}
	}
	return b.String()
}

// TestReaderKeepsTheOrder: text and other keys typed with no delay into a
// window (xdotool, as a helper types fast) reach Run in the order typed,
// each press with its text, non-ASCII characters and shortcuts included.
func TestReaderKeepsTheOrder(t *testing.T) {
	d, rd := startReading(t, "é ß 日本")
	presses := append(xdisplay.KeyNames("echo \"fast4\"\nécho ß 日本\n"), "g", "ctrl+u", "Tab", "shift+Tab", "a", "BackSpace", "Return")
	d.Do("xdotool", append([]string{"key", "--delay", "0"}, presses...)...)
	const want = `echo "fast4"<Return>écho ß 日本<Return>g<Control_L><u><Tab><S-Tab>a<BackSpace><Return>`
	if got := rd.waitFor(want, 5*time.Second); got != want {
		t.Errorf("typed %q\nread  %q", want, got)
	}
}

// TestReaderUnmappedCharacters: characters the keyboard map lacks, typed
// with xdotool's own delay, which puts each on a spare key for its press
// only and takes it off right after, are read as typed: the changed
// keys are read at once in one small request (refreshKeys).
func TestReaderUnmappedCharacters(t *testing.T) {
	d, rd := startReading(t, "")
	const want = "Grüße, café ✓ 😀 日本語"
	// The reader races the tool, which undoes each mapping about a
	// millisecond after the press: on a busy machine it can lose a
	// character (as any X client can: 3 of 8 runs with both cores busy,
	// with or without refreshKeys), so a person's three tries are allowed.
	var got string
	for try := 0; try < 3; try++ {
		rd.reset()
		d.Do("xdotool", "type", want)
		if got = rd.waitFor(want, 3*time.Second); got == want {
			return
		}
	}
	t.Errorf("typed %q\nread  %q", want, got)
}
