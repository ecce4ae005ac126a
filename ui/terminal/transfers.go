package terminal

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ra-p2p/ra-p2p/session"
	"golang.org/x/term"
)

// progressLine is the progress of the transfers being shown: at a
// terminal one line, redrawn in place; elsewhere (a log, a script) a line
// each time a transfer passes a quarter.
type progressLine struct {
	shown    bool           // a bar is drawn at a terminal (a newline ends it)
	quarters map[string]int // per transfer, 1 + the last quarter printed
}

// showTransfer shows a transfer's event (Show's goroutine).
func (t *Terminal) showTransfer(ev session.Event) {
	tr := ev.Transfer
	w := t.cfg.Progress
	if w == nil {
		w = t.cfg.Out
	}
	p := &t.progress
	if tr.Ended {
		if p.shown {
			t.write(w, "\n")
			p.shown = false
		}
		delete(p.quarters, tr.ID)
		t.Println(ev.Text)
		if tr.Folder != "" {
			t.Println("  Saved in " + tr.Folder)
		}
		return
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
		t.write(w, fmt.Sprintf("\r\x1b[K%s%s [%s] %d%% %s", verb, tr.What, bar, percent, tr.Detail()))
		p.shown = true
		return
	}
	if p.quarters == nil {
		p.quarters = map[string]int{}
	}
	if q := percent/25 + 1; q > p.quarters[tr.ID] { // 1: the start
		p.quarters[tr.ID] = q
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
