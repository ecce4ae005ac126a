package terminal

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ra-p2p/ra-p2p/session"
	"golang.org/x/term"
)

// showTransfer shows a transfer's event (Show's goroutine): at a terminal
// one line, a bar redrawn in place; elsewhere (a log, a script) a line
// each time a transfer passes a quarter.
func (t *Terminal) showTransfer(ev session.Event) {
	tr := ev.Transfer
	if tr.Ended {
		delete(t.quarters, tr.ID)
		t.Println(ev.Text) // under the bar, if one is drawn
		if tr.Folder != "" {
			t.Println("  Saved in " + tr.Folder)
		}
		return
	}
	w := t.cfg.Progress
	if w == nil {
		w = t.cfg.Out
	}
	verb := "Receiving "
	if tr.Sending {
		verb = "Sending "
	}
	percent := 0
	if tr.Total > 0 {
		percent = int(tr.Done * 100 / tr.Total)
	}
	if isTerminal(w) {
		const width = 20
		bar := strings.Repeat("#", percent*width/100) + strings.Repeat("-", width-percent*width/100)
		t.outMu.Lock()
		fmt.Fprintf(w, "\r\x1b[K%s%s [%s] %d%% %s", verb, tr.What, bar, percent, tr.Detail())
		// The next line printed starts under the bar (stdout and stderr
		// are one screen at a terminal).
		t.barShown = isTerminal(t.cfg.Out)
		t.outMu.Unlock()
		return
	}
	if t.quarters == nil {
		t.quarters = map[string]int{}
	}
	if q := percent/25 + 1; q > t.quarters[tr.ID] { // 1: the start
		t.quarters[tr.ID] = q
		t.write(w, fmt.Sprintf("%s%s: %d%%, %s\n", verb, tr.What, percent, tr.Detail()))
	}
}

// write writes s to w under the output lock.
func (t *Terminal) write(w io.Writer, s string) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	io.WriteString(w, s)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// splitPaths splits what follows /send into paths: separated by spaces,
// a path with spaces in single or double quotes.
func splitPaths(s string) []string {
	var paths []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				paths = append(paths, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		paths = append(paths, cur.String())
	}
	return paths
}
