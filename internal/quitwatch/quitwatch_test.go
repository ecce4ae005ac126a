package quitwatch

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWatch: a program told to quit that has not finished after the
// grace exits with code 1, saying where each goroutine is; one that
// finishes in time, or is never told to quit, is left alone.
func TestWatch(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	exited := make(chan int, 1)
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })

	ctx, cancel := context.WithCancel(context.Background())
	stop := Watch(ctx, w, 50*time.Millisecond, func(code int) { exited <- code })
	cancel()
	select {
	case code := <-exited:
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a program that did not quit in time was not stopped")
	}
	stop()
	mu.Lock()
	text := out.String()
	mu.Unlock()
	if !strings.Contains(text, "did not finish quitting within 50ms") || !strings.Contains(text, "quitwatch.TestWatch") {
		t.Errorf("the message lacks the reason or the goroutines:\n%s", text)
	}

	for _, quit := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		stop := Watch(ctx, w, 200*time.Millisecond, func(code int) { exited <- code })
		if quit {
			cancel()
		}
		time.Sleep(20 * time.Millisecond)
		stop() // finished in time
		cancel()
		select {
		case code := <-exited:
			t.Errorf("told to quit: %v; it exited (%d) although it finished in time", quit, code)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
