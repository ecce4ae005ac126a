package folder

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree makes files (a trailing "/" makes a folder) with sizes of len(name)
// bytes under a new temporary folder and returns it.
func tree(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if n[len(n)-1] == '/' {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReadListsFoldersFirstWithoutHidden: folders (links to folders
// included) come first, then files, each by name whatever its case;
// dot-files and dot-folders are not listed; files carry their size.
func TestReadListsFoldersFirstWithoutHidden(t *testing.T) {
	dir := tree(t, "b.txt", "A.pdf", "c/", "Music/", "docs/x", ".hidden", ".cache/", "a.txt", "b10.txt", "b9.txt")
	if err := os.Symlink(filepath.Join(dir, "docs"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "broken")); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, e := range got {
		labels = append(labels, e.Label())
	}
	want := []string{"c/", "docs/", "link/", "Music/", "A.pdf", "a.txt", "b.txt", "b9.txt", "b10.txt", "broken"}
	if !slices.Equal(labels, want) {
		t.Errorf("listed %q, want %q", labels, want)
	}
	for _, e := range got {
		if e.Name == "b.txt" && e.Size != int64(len("b.txt")) {
			t.Errorf("b.txt: size %d, want %d", e.Size, len("b.txt"))
		}
		if e.Dir && e.Size != 0 {
			t.Errorf("folder %s has a size (%d)", e.Name, e.Size)
		}
	}
}

// TestReadAFolderThatCannotBeRead: a folder that does not exist, or a
// file taken for one, gives an error whose reason the chooser shows.
func TestReadAFolderThatCannotBeRead(t *testing.T) {
	dir := tree(t, "file.txt")
	for path, reason := range map[string]string{
		filepath.Join(dir, "nothing"):  "no such file or folder",
		filepath.Join(dir, "file.txt"): "not a directory",
	} {
		got, err := Read(path)
		if err == nil || len(got) != 0 {
			t.Errorf("Read(%s) = %v, %v; want nothing and an error", path, got, err)
			continue
		}
		if r := Reason(err); r != reason {
			t.Errorf("Read(%s): reason %q, want %q", path, r, reason)
		}
	}
	if r := Reason(&fs.PathError{Op: "open", Path: "/root/x", Err: fs.ErrPermission}); r != "permission denied" {
		t.Errorf("reason %q, want the cause alone", r)
	}
	if r := Reason(errors.New("odd")); r != "odd" {
		t.Errorf("reason %q", r)
	}
}

// TestNamesInAFileManagersOrder: case aside, numbers by value.
func TestNamesInAFileManagersOrder(t *testing.T) {
	names := []string{"IMG_10.jpg", "img_9.jpg", "IMG_2.jpg", "b", "a10b", "a2", "A1", "a02", "Zeta", "état", "a"}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(compareNames(a, b), strings.Compare(a, b)) })
	want := []string{"a", "A1", "a02", "a2", "a10b", "b", "IMG_2.jpg", "img_9.jpg", "IMG_10.jpg", "Zeta", "état"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
}

func TestExpandHome(t *testing.T) {
	for in, want := range map[string]string{
		"~": "/home/ann", "~/": "/home/ann", "~/Documents/a.txt": "/home/ann/Documents/a.txt",
		"~bob/x": "~bob/x", "/tmp/~": "/tmp/~", "docs": "docs",
	} {
		if got := ExpandHome(in, "/home/ann"); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ExpandHome("~/x", ""); got != "~/x" {
		t.Errorf("without a home folder: %q", got)
	}
}

// TestInterpretThePathLine: ENTER in the path line goes to a folder typed,
// sends a file typed, and otherwise sends what is selected; a path that
// does not exist is an error, not a send.
func TestInterpretThePathLine(t *testing.T) {
	home := tree(t, "Documents/report.pdf", "Pictures/", "notes.txt")
	shown := Shown(home)
	doc := filepath.Join(home, "Documents")
	cases := []struct {
		name, line, dir string
		action          Action
		path            string
		missing         bool
	}{
		{"unchanged", shown, home, SendSelected, "", false},
		{"emptied", "  ", home, SendSelected, "", false},
		{"the folder listed, without its slash", home, home, SendSelected, "", false},
		{"another folder", doc, home, Open, doc, false},
		{"a folder with a trailing slash", doc + "/", home, Open, doc, false},
		{"a file", filepath.Join(doc, "report.pdf"), home, SendPath, filepath.Join(doc, "report.pdf"), false},
		{"a name in the folder listed", "notes.txt", home, SendPath, filepath.Join(home, "notes.txt"), false},
		{"the parent, relative", "..", doc, Open, home, false},
		{"under the home folder", "~/Pictures", doc, Open, filepath.Join(home, "Pictures"), false},
		{"spaces around it", "  " + filepath.Join(home, "notes.txt") + " ", home, SendPath, filepath.Join(home, "notes.txt"), false},
		{"nothing there", filepath.Join(home, "nope.txt"), home, SendSelected, filepath.Join(home, "nope.txt"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			action, path, err := Interpret(c.line, Shown(c.dir), c.dir, home)
			if action != c.action || path != c.path || (err != nil) != c.missing {
				t.Errorf("Interpret(%q) in %s = %v, %q, %v; want %v, %q, error %v", c.line, c.dir, action, path, err, c.action, c.path, c.missing)
			}
			if c.missing && Reason(err) != "no such file or folder" {
				t.Errorf("reason %q", Reason(err))
			}
		})
	}
	if Shown("/") != "/" || Shown("/home/ann") != "/home/ann/" {
		t.Errorf("Shown: %q, %q", Shown("/"), Shown("/home/ann"))
	}
}
