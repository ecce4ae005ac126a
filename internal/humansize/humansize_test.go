package humansize

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1: "1 byte", 999: "999 bytes", 1000: "1.0 kB", 1234: "1.2 kB", 999_949: "999.9 kB",
		999_999: "1.0 MB", 16 << 20: "16.8 MB", 2_400_000_000: "2.4 GB", 5e15: "5.0 PB", 3e18: "3000 PB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
