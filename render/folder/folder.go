// Package folder is the logic of the window's file chooser (render's
// ChooseFiles): a folder's entries as the chooser lists them, sizes in
// human units, and what the chooser's path line names. It uses the
// standard library only, so its tests run where there is no display
// (render's cannot: Ebiten opens the display when it loads).
package folder

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entry is one thing a folder holds, as the chooser lists it.
type Entry struct {
	Name string
	Dir  bool  // a folder (or a link to one)
	Size int64 // a file's size in bytes
}

// Label is the entry's name as listed: a folder's with a trailing "/".
func (e Entry) Label() string {
	if e.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// Read lists dir as the chooser shows it: folders first, then files, each
// by name (case aside, numbers by value: compareNames); hidden entries (names starting with ".") left out.
// A link is listed as what it points to. With an error (a folder that
// cannot be read) it returns what it could read, maybe nothing.
func Read(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	entries := make([]Entry, 0, len(des))
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		e := Entry{Name: de.Name(), Dir: de.IsDir()}
		info, ierr := de.Info()
		if ierr == nil && info.Mode()&fs.ModeSymlink != 0 {
			info, ierr = os.Stat(filepath.Join(dir, de.Name())) // a broken link stays a file of unknown size
			if ierr == nil {
				e.Dir = info.IsDir()
			}
		}
		if ierr == nil && !e.Dir {
			e.Size = info.Size()
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return cmp.Or(compareNames(a.Name, b.Name), cmp.Compare(a.Name, b.Name))
	})
	return entries, err
}

// compareNames orders names as a file manager does: case aside, and the
// numbers in them by value ("IMG_2" before "IMG_10").
func compareNames(a, b string) int {
	for a != "" && b != "" {
		if da, db := digits(a), digits(b); da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

// digits is how many ASCII digits s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// ExpandHome makes "~" home and "~/x" a path under home.
func ExpandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, strings.TrimPrefix(p, "~"))
	}
	return p
}

// Shown is how the path line shows folder dir: with a trailing separator,
// so that a name typed after it makes a path.
func Shown(dir string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir
	}
	return dir + string(filepath.Separator)
}

// Action is what ENTER in the path line asks for.
type Action int

const (
	// SendSelected: the line names the folder listed (it was not edited,
	// or edited back): send the entries selected.
	SendSelected Action = iota
	// Open: the line names another folder: list it.
	Open
	// SendPath: the line names a file: send it.
	SendPath
)

// Interpret says what ENTER asks for when the path line holds line, while
// it showed shown and the chooser lists dir: a path is relative to dir,
// "~" is home. The path named comes with Open and SendPath, clean; the
// error says why a path typed cannot be used (it does not exist…).
func Interpret(line, shown, dir, home string) (Action, string, error) {
	line = strings.TrimSpace(line)
	if line == "" || line == shown {
		return SendSelected, "", nil
	}
	p := ExpandHome(line, home)
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	if p == filepath.Clean(dir) {
		return SendSelected, "", nil
	}
	info, err := os.Stat(p)
	switch {
	case err != nil:
		return SendSelected, p, err
	case info.IsDir():
		return Open, p, nil
	default:
		return SendPath, p, nil
	}
}

// Reason is err as the chooser says it: a path error's cause alone, the
// path being on the line already ("permission denied", "no such file or
// folder").
func Reason(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file or folder"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
