package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileVersion(t *testing.T) {
	for ver, want := range map[string][4]uint16{
		"1.2.3":               {1, 2, 3, 0},
		"1.2.3+4.gabc1234":    {1, 2, 3, 4},
		"0.0.0+350.gc5506b2":  {0, 0, 0, 350},
		"65535.0.0+7.g0000aa": {65535, 0, 0, 7},
	} {
		if got, err := fileVersion(ver); err != nil || got != want {
			t.Errorf("fileVersion(%q) = %v, %v; want %v", ver, got, err, want)
		}
	}
	for _, bad := range []string{"", "v1.2.3", "1.2", "1.2.3-rc1", "70000.0.0", "1.2.3+4"} {
		if _, err := fileVersion(bad); err == nil {
			t.Errorf("fileVersion(%q) accepted it", bad)
		}
	}
}

// TestWrite: the object is written in place of an older one, readable by
// all (the build reads it), and a refused version leaves the older one.
func TestWrite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rsrc_windows_amd64.syso")
	if err := write("1.2.3", out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() < 1000 || st.Mode().Perm() != 0o644 {
		t.Fatalf("the object: %v, %v", st, err)
	}
	if err := write("not a version", out); err == nil {
		t.Fatal("a bad version was accepted")
	}
	if st2, err := os.Stat(out); err != nil || st2.Size() != st.Size() {
		t.Fatalf("a refused version changed the object: %v", err)
	}
}
