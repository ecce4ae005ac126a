//go:build !linux

package transfer

import "testing"

// mkfifo: the FIFO cases run on Linux (transfer_linux_test.go), where
// mkfifo(2) is at hand.
func mkfifo(t testing.TB, path string) {
	t.Skip("named pipes (FIFOs) are made on Linux only")
}
