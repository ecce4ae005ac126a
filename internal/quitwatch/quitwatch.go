package quitwatch

import (
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"time"
)

// Grace is how long a program may take to finish once told to quit
// (Ctrl-C, SIGTERM): ra-p2p says goodbye to the peer and the DHT and
// removes its port mappings, a few seconds even under Wine on loaded
// cores.
const Grace = 20 * time.Second

// Watch ends the process if it has not finished grace after ctx (the quit
// signal) is done: it writes every goroutine's stack to stderr, then calls
// exit(1) (os.Exit but in tests). stop ends the watch; the command calls
// it on its way out.
func Watch(ctx context.Context, stderr io.Writer, grace time.Duration, exit func(int)) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			fmt.Fprintf(stderr, "ra-p2p did not finish quitting within %v and stops now. Please report this, with what follows:\n", grace)
			pprof.Lookup("goroutine").WriteTo(stderr, 2)
			exit(1)
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
