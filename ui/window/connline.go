//go:build !nogui

package window

import (
	"fmt"
	"sync"
	"time"

	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// connectionLine makes what the helper's F2 line says, from the screen's
// link counters read each time it is asked (rates over the time since the
// last ask) and the sender's word on Automatic.
func connectionLine(link func() screen.Link) func() string {
	var (
		mu   sync.Mutex
		last screen.Link
		at   time.Time
	)
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		now, l := time.Now(), link()
		prev, prevAt := last, at
		last, at = l, now
		if prevAt.IsZero() || l.Updates < prev.Updates {
			return "Measuring the connection…"
		}
		return describeLink(l, prev, now.Sub(prevAt))
	}
}

// describeLink words the link for the line: l now, prev dt earlier.
func describeLink(l, prev screen.Link, dt time.Duration) string {
	secs := dt.Seconds()
	mbit := float64(l.Bytes-prev.Bytes) * 8 / secs / 1e6
	fps := float64(l.Updates-prev.Updates) / secs
	line := fmt.Sprintf("Screen: %.2f Mbit/s, %.0f frames a second", mbit, fps)
	p := l.Pace
	if p.Kbps == 0 {
		return line + ". Automatic is off (Settings)."
	}
	if p.RTT > 0 {
		line += fmt.Sprintf(", %d ms round trip", p.RTT.Milliseconds())
	}
	return fmt.Sprintf("%s. Automatic: %s (paced to %.1f Mbit/s).", line, p.State(), float64(p.Kbps)/1000)
}
