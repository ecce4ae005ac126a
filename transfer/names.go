package transfer

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// Suffixes of what a receiver writes beside a target while it receives
// (see the package documentation).
const (
	partSuffix   = ".ra-p2p-part"
	recordSuffix = ".ra-p2p-part.json"
)

// MaxTopName bounds the first element of a name: the receiver adds up to
// " (9999)" to it when the name is taken, and ".ra-p2p-part.json" beside
// it while receiving, and the result must stay within the 255 bytes most
// file systems allow.
const MaxTopName = files.MaxNameElement - len(" (9999)") - len(recordSuffix)

// maxSuffix is the largest n of "name (n)".
const maxSuffix = 9999

// Problem is a name the receiver will not save, and why, in words.
type Problem struct {
	Name   string // safe to show: quoted when the name itself is not (Display)
	Reason string // "goes outside the folder", "is a reserved device name on Windows (CON)"…
}

// OfferError lists every name of an offer that cannot be saved safely. It
// wraps ErrUnsafeOffer.
type OfferError struct {
	Problems []Problem
}

func (e *OfferError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the names offered cannot be saved safely: ", len(e.Problems))
	for i, p := range e.Problems {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(files.Truncate(p.Name, 100) + " " + p.Reason)
	}
	return b.String()
}

func (e *OfferError) Unwrap() error { return ErrUnsafeOffer }

// Display returns s as it may be shown to a person: as it is when it
// passes files.CheckText, else quoted with its invisible and control
// characters escaped ("\x1b[31m…"), and cut to files.MaxName bytes.
func Display(s string) string {
	if files.CheckText(s) != nil {
		s = strconv.QuoteToGraphic(s)
	}
	return files.Truncate(s, files.MaxName)
}

// CheckOffer returns nil if every file of o may be saved under its name in
// any folder, or an *OfferError with a reason for each name that may not.
// Run it before the person is asked: an offer with such a name is
// declined as a whole. Plan runs it again.
//
// A name must be relative and local ('/'-separated, no empty, "." or ".."
// element, nothing absolute: no leading '/', drive letter or backslash,
// filepath.IsLocal on every system), printable (files.CheckText: no
// control characters, terminal escapes or bidi controls), valid on
// Windows too (no reserved device name such as CON or LPT1, also with an
// extension; no trailing dot or space; none of < > : " | ? *), within the
// lengths (files.CheckNameLength, MaxTopName for the first element), not
// named like a part being received (.ra-p2p-part), and unique, also
// ignoring case, and never both a file and a folder.
func CheckOffer(o *Offer) error {
	var problems []Problem
	if len(o.Files) == 0 || len(o.Files) > files.MaxEntries {
		problems = append(problems, Problem{Name: "the offer", Reason: fmt.Sprintf("has %d files (1 to %d may be offered)", len(o.Files), files.MaxEntries)})
	}
	names := newNameSet()
	var total int64
	for _, f := range o.Files {
		reason := checkName(f.Name)
		if reason == "" {
			reason = names.add(f.Name)
		}
		if reason == "" && (f.Size < 0 || f.Size > files.MaxSize) {
			reason = fmt.Sprintf("has a size of %d bytes", f.Size)
		}
		if reason == "" && f.Mode&^0o777 != 0 {
			reason = fmt.Sprintf("has the mode %v (only permission bits may be offered)", f.Mode)
		}
		if reason != "" {
			problems = append(problems, Problem{Name: Display(f.Name), Reason: reason})
		}
		total += max(f.Size, 0)
		if total > files.MaxSize {
			problems = append(problems, Problem{Name: "the offer", Reason: "adds up to more than 1 PiB"})
			break
		}
	}
	for _, s := range o.Skipped {
		if files.CheckText(s.Name) != nil || files.CheckText(s.Reason) != nil {
			problems = append(problems, Problem{Name: "the list of skipped files", Reason: "has names or reasons that cannot be shown as they are"})
			break
		}
	}
	if len(problems) > 0 {
		return &OfferError{Problems: problems}
	}
	return nil
}

// checkName returns why name may not be saved, or "" if it may. It is the
// sender's test too (NewOffer skips what a receiver would refuse).
func checkName(name string) string {
	if err := files.CheckNameLength(name); err != nil {
		return err.Error()
	}
	if err := files.CheckText(name); err != nil {
		return err.Error()
	}
	switch {
	case strings.HasPrefix(name, "/"):
		return "is an absolute path"
	case len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]):
		return "starts with a drive letter (an absolute path on Windows)"
	case strings.Contains(name, `\`):
		return "contains a backslash (a folder separator on Windows)"
	}
	elems := strings.Split(name, "/")
	if len(elems[0]) > MaxTopName {
		return fmt.Sprintf("starts with a name of %d bytes (the limit is %d)", len(elems[0]), MaxTopName)
	}
	if strings.HasSuffix(elems[0], partSuffix) || strings.HasSuffix(elems[0], recordSuffix) {
		return "ends in " + partSuffix + ", which is how files being received are named"
	}
	for _, e := range elems {
		switch {
		case e == "":
			return "has an empty part (two slashes, or a slash at the end)"
		case e == "." || e == "..":
			return "contains " + e + " (it would go outside the folder)"
		case strings.HasSuffix(e, ".") || strings.HasSuffix(e, " "):
			return "ends a name in a dot or a space, which Windows cannot save"
		}
		if dev := windowsDevice(e); dev != "" {
			return "is a reserved device name on Windows (" + dev + ")"
		}
		if i := strings.IndexAny(e, `<>:"|?*`); i >= 0 {
			return "contains " + strconv.Quote(e[i:i+1]) + ", which Windows does not allow in names"
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) { // stricter rules above; this one is the system's
		return "is not a path inside the folder"
	}
	return ""
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// windowsDevice returns the device an element names on Windows ("CON" for
// "con.txt", "LPT1" for "Lpt1 .tar.gz"), or "". Windows ignores what
// follows the first dot, and trailing spaces before it; COM and LPT take
// the digits 0 to 9 and the superscripts ¹ ² ³.
func windowsDevice(e string) string {
	base, _, _ := strings.Cut(e, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return base
	}
	if len(base) > 3 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch base[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return base
		}
	}
	return ""
}

// nameSet finds names that clash on a file system that ignores case: two
// equal names, or a name that is a file in one place and a folder in
// another ("a" and "A/b").
type nameSet struct {
	files   map[string]bool // folded names of files
	folders map[string]bool // folded names of the folders they are in
}

func newNameSet() *nameSet {
	return &nameSet{files: map[string]bool{}, folders: map[string]bool{}}
}

// add records name and returns why it clashes with one added before, or "".
func (s *nameSet) add(name string) string {
	key := fold(name)
	switch {
	case s.files[key]:
		return "is there twice (upper and lower case count as the same)"
	case s.folders[key]:
		return "is both a file and a folder"
	}
	var parents []string
	for i := range len(key) {
		if key[i] == '/' {
			if s.files[key[:i]] {
				return "is both a file and a folder"
			}
			parents = append(parents, key[:i])
		}
	}
	s.files[key] = true
	for _, p := range parents {
		s.folders[p] = true
	}
	return ""
}

// fold maps a name to the key a case-insensitive file system (NTFS, APFS)
// mostly takes for it.
func fold(s string) string { return strings.ToLower(s) }
