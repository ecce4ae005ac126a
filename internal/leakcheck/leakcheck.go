// Package leakcheck is for tests: after all of a package's tests ran, it
// waits for every goroutine started by this module or by libp2p to end.
// It must never be imported by non-test code.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// watched are the code paths whose goroutines must not outlive the tests.
var watched = []string{"github.com/ra-p2p/ra-p2p/", "github.com/libp2p/", "github.com/quic-go/", "github.com/ipfs/"}

// global are goroutines libp2p starts once per process and never stops.
var global = []string{
	"go-flow-metrics.(*sweeper)", // one bandwidth-meter sweeper per process
	"go-log/v2/writer.(*MirrorWriter)",
	"go.opencensus.io/stats/view",
	"leakcheck.Check", // this goroutine
}

// Check returns an error listing the goroutines still running after grace.
func Check(grace time.Duration) error {
	deadline := time.Now().Add(grace)
	for {
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				buf = buf[:n]
				break
			}
			buf = make([]byte, 2*len(buf))
		}
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if containsAny(g, watched) && !containsAny(g, global) {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines still running after every test ended:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Main runs a package's tests and then Check (with a grace of 10 s), and
// exits: call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := Check(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
