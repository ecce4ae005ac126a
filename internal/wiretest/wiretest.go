package wiretest

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Unhex decodes hex written with spaces and newlines for readability, as
// golden bytes are: "0f 01 7b22…". Bad hex fails the test.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}
