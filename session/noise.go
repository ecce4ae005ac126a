package session

import (
	"log/slog"
	"sync"
	"time"
)

// noiseEvery is how often noiseLog writes a line at most.
const noiseEvery = 10 * time.Second

// noiseLog logs what peers without the invitation secret do (garbage proofs,
// idle streams), at most one line every noiseEvery, so a flood of strangers
// cannot fill the log; the next line says how many were left out. The zero
// value is ready.
type noiseLog struct {
	mu      sync.Mutex
	last    time.Time
	dropped int
}

func (l *noiseLog) log(logger *slog.Logger, msg string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < noiseEvery {
		l.dropped++
		l.mu.Unlock()
		return
	}
	dropped := l.dropped
	l.last, l.dropped = now, 0
	l.mu.Unlock()
	if dropped > 0 {
		args = append(args, "similar_left_out", dropped)
	}
	logger.Info(msg, args...)
}
