package transfer

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// FuzzCheckName: a name checkName lets through stays inside any folder it
// is joined to, on this system and on Windows, and can be shown as it is.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"report.pdf", "photos/2024/a.jpg", "../x", "a/../../b", `C:\x`, "CON.txt", "a\x1b[2J", "a.", "é/ü", "a//b", ".ra-p2p-part"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkName(name) != "" {
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(name)) || files.CheckText(name) != nil {
			t.Fatalf("%q passed", name)
		}
		for _, e := range strings.Split(name, "/") {
			if e == "" || e == "." || e == ".." || strings.ContainsAny(e, "\\:") || windowsDevice(e) != "" ||
				strings.HasSuffix(e, ".") || strings.HasSuffix(e, " ") || len(e) > files.MaxNameElement {
				t.Fatalf("%q passed with the element %q", name, e)
			}
		}
		base := filepath.FromSlash("/downloads")
		if j := filepath.Join(base, filepath.FromSlash(name)); !strings.HasPrefix(j, base+string(filepath.Separator)) {
			t.Fatalf("%q leads to %q", name, j)
		}
	})
}

// FuzzParseRecord: a record from disk is either damaged or within its
// bounds; it never panics.
func FuzzParseRecord(f *testing.F) {
	good, _ := json.Marshal(record{V: 1, Offer: strings.Repeat("ab", files.IDSize), Item: strings.Repeat("cd", files.HashSize), Done: 2, Offset: 3 << 20})
	f.Add(good, 3)
	f.Add([]byte(`{"v":1,"offer":`), 1)
	f.Add([]byte(`{"v":1,"offer":"zz","item":"","done":-1,"offset":-5}`), 1)
	f.Fuzz(func(t *testing.T, b []byte, items int) {
		r, err := parseRecord(b, items)
		if err != nil {
			if !errors.Is(err, errDamagedRecord) {
				t.Fatalf("error without errDamagedRecord: %v", err)
			}
			return
		}
		if r.Done < 0 || r.Done > items || r.Offset < 0 || r.Offset > files.MaxSize || len(r.Offer) != 32 || len(r.Item) != 64 {
			t.Fatalf("out of range: %+v", r)
		}
	})
}
