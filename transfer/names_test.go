package transfer

import (
	"errors"
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

func offerOf(names ...string) *Offer {
	o := &Offer{}
	for _, n := range names {
		o.Files = append(o.Files, File{Name: n, Size: 1, Mode: 0o644})
	}
	return o
}

// TestCheckOfferRefuses: each name a sender might use to write where it
// must not, or to mislead the person asked, is refused with a reason.
func TestCheckOfferRefuses(t *testing.T) {
	long := strings.Repeat("x", files.MaxNameElement+1)
	cases := map[string][]string{
		"an absolute path":                     {"/etc/passwd"},
		"a drive letter":                       {`C:\x`},
		"a drive letter with a slash":          {"C:/Windows/win.ini"},
		"a UNC path":                           {`\\server\share\x`},
		"a backslash":                          {`a\b.txt`},
		"a backslash climbing out":             {`..\..\x`},
		"dot-dot at the start":                 {"../x"},
		"dot-dot in the middle":                {"a/../../b"},
		"dot-dot at the end":                   {"a/.."},
		"dot-dot alone":                        {".."},
		"a dot element":                        {"a/./b"},
		"an empty element":                     {"a//b"},
		"a trailing slash":                     {"a/"},
		"a NUL":                                {"a\x00b"},
		"a newline":                            {"a\nb.txt"},
		"a tab":                                {"a\tb"},
		"an ESC sequence":                      {"\x1b[31mred.txt"},
		"a title-setting escape":               {"\x1b]0;owned\x07.txt"},
		"a CSI 0x9b (as a rune)":               {"a\u009b31m.txt"},
		"a raw 0x9b byte":                      {"a\x9b31m.txt"},
		"DEL":                                  {"a\x7f"},
		"a bidi override":                      {"invoice\u202efdp.exe"},
		"a bidi isolate":                       {"a\u2067b.txt"},
		"a zero-width space":                   {"a\u200b.txt"},
		"a line separator":                     {"a\u2028b"},
		"invalid UTF-8":                        {"a\xff.txt"},
		"CON":                                  {"CON"},
		"con in lower case":                    {"con"},
		"CON with an extension":                {"CON.txt"},
		"CON with a space before the dot":      {"con .txt"},
		"PRN":                                  {"PRN.pdf"},
		"AUX":                                  {"aux"},
		"NUL":                                  {"NUL.tar.gz"},
		"COM1":                                 {"COM1"},
		"COM9 deep down":                       {"photos/2024/com9.jpg"},
		"LPT1":                                 {"LPT1.log"},
		"LPT9":                                 {"a/lpt9"},
		"COM superscript":                      {"COM¹.txt"},
		"CONIN$":                               {"CONIN$"},
		"a device name as a folder":            {"con/a.txt"},
		"a trailing dot":                       {"report."},
		"a trailing space":                     {"report "},
		"a folder with a trailing dot":         {"dir./x"},
		"only dots":                            {"..."},
		"a colon (Windows streams)":            {"a.txt:evil"},
		"a question mark":                      {"what?.txt"},
		"an element over 255 bytes":            {"d/" + long},
		"a first element over MaxTopName":      {strings.Repeat("t", MaxTopName+1)},
		"a name over 4096 bytes":               {strings.Repeat("abcdefg/", 513) + "x"},
		"an empty name":                        {""},
		"a part's name":                        {"report.pdf.ra-p2p-part"},
		"a record's name":                      {"report.pdf.ra-p2p-part.json"},
		"the same name twice":                  {"a.txt", "a.txt"},
		"names differing only in case":         {"Report.pdf", "report.PDF"},
		"a file and a folder of the same name": {"a", "a/b"},
		"a folder and then a file of its name": {"x/y/z", "X/Y"},
	}
	for name, names := range cases {
		t.Run(name, func(t *testing.T) {
			err := CheckOffer(offerOf(names...))
			var oe *OfferError
			if !errors.As(err, &oe) || !errors.Is(err, ErrUnsafeOffer) {
				t.Fatalf("CheckOffer(%q) = %v, want an *OfferError", names, err)
			}
			for _, p := range oe.Problems {
				if files.CheckText(p.Name) != nil || files.CheckText(p.Reason) != nil || p.Reason == "" {
					t.Errorf("problem %q %q cannot be shown as it is", p.Name, p.Reason)
				}
			}
			t.Log(err)
		})
	}
}

func TestCheckOfferAccepts(t *testing.T) {
	ok := []string{
		"report.pdf", "photos/2024/IMG_0001.JPG", ".bashrc", "a..b", "...a", "con-tract.txt", "console.log",
		"COM10", "LPT", "COMMENTS.md", "nul1", "Überweisung März.pdf", "日本語/ファイル.txt", "👨\u200d👩\u200d👧.jpg",
		"a b/c d.txt", "-rf", "~", "$HOME", "it's.txt", strings.Repeat("t", MaxTopName),
		"d/" + strings.Repeat("e", files.MaxNameElement),
	}
	if err := CheckOffer(offerOf(ok...)); err != nil {
		t.Fatal(err)
	}
}

func TestCheckOfferBounds(t *testing.T) {
	o := offerOf("a")
	o.Files[0].Size = -1
	if CheckOffer(o) == nil {
		t.Error("a negative size passed")
	}
	o = offerOf("a")
	o.Files[0].Mode = 0o4755
	if CheckOffer(o) == nil {
		t.Error("a set-uid mode passed")
	}
	if CheckOffer(&Offer{}) == nil {
		t.Error("an offer of nothing passed")
	}
	o = offerOf("a", "b")
	o.Files[0].Size, o.Files[1].Size = files.MaxSize, 1
	if CheckOffer(o) == nil {
		t.Error("an offer of more than 1 PiB passed")
	}
	o = offerOf("a")
	o.Skipped = []Skipped{{Name: "\x1b[2J", Reason: "a symbolic link"}}
	if CheckOffer(o) == nil {
		t.Error("an escape in the skipped list passed")
	}
}

func TestSuffixed(t *testing.T) {
	for _, c := range []struct {
		name   string
		n      int
		folder bool
		want   string
	}{
		{"report.pdf", 0, false, "report.pdf"},
		{"report.pdf", 1, false, "report (1).pdf"},
		{"report.pdf", 12, false, "report (12).pdf"},
		{"archive.tar.gz", 1, false, "archive (1).tar.gz"},
		{"notes", 2, false, "notes (2)"},
		{".bashrc", 1, false, ".bashrc (1)"},
		{"photos", 1, true, "photos (1)"},
		{"v1.2", 1, true, "v1.2 (1)"},
	} {
		if got := suffixed(c.name, c.n, c.folder); got != c.want {
			t.Errorf("suffixed(%q, %d, %v) = %q, want %q", c.name, c.n, c.folder, got, c.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	if got := Display("report.pdf"); got != "report.pdf" {
		t.Errorf("Display = %q", got)
	}
	if got := Display("a\x1b[2Jb\u202e"); files.CheckText(got) != nil || !strings.Contains(got, `\x1b`) {
		t.Errorf("Display = %q", got)
	}
}
