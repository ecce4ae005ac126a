package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// quitGrace is how long the program may take to finish once told to quit
// (Ctrl-C, SIGTERM): it says goodbye to the peer and the DHT and removes
// its port mappings, a few seconds even under Wine on loaded cores.
const quitGrace = 20 * time.Second

// watchQuit ends the process if it has not finished quitGrace after ctx
// (the quit signal) is done: a program that hangs on its way out should
// neither keep the person's terminal nor hide where it hangs, so it writes
// every goroutine's stack to stderr first and exits with code 1. stop ends
// the watch; run calls it on its way out.
func watchQuit(ctx context.Context, stderr io.Writer) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(quitGrace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			fmt.Fprintf(stderr, "ra-p2p did not finish quitting within %v and stops now. Please report this, with what follows:\n", quitGrace)
			pprof.Lookup("goroutine").WriteTo(stderr, 2)
			os.Exit(1)
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
