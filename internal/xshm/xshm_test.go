package xshm

import "testing"

func TestLocalDisplay(t *testing.T) {
	for display, want := range map[string]bool{
		":0": true, ":1.0": true, "unix:2": true, "unix/unix:3": true, "/tmp/.X11-unix/X0:0": true,
		"localhost:10.0": false, "remote:0": false, "tcp/remote:0": false, "nocolon": false,
	} {
		if got := LocalDisplay(display); got != want {
			t.Errorf("LocalDisplay(%q) = %v, want %v", display, got, want)
		}
	}
}
