package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// File is one file of an offer.
type File struct {
	// Name is the file's path relative to the receiver's folder,
	// '/'-separated: "report.pdf", "photos/2024/a.jpg". Its first element is
	// what was offered (a file, or a folder); received, it is a claim that
	// CheckOffer judges.
	Name string
	Size int64
	Mode fs.FileMode // permission bits only
}

// Skipped is something a sender left out of an offer, and why: a symbolic
// link, a device, a named pipe, an empty folder, a name the receiver
// could not save. Both texts are safe to show (Display).
type Skipped struct {
	Name, Reason string
}

// Offer is what a sender offers. NewOffer makes one from local paths, and
// only such an offer can be sent: it knows where each file's bytes are.
// Receiver.ReadOffer reads one from a sender: a description, every field
// of it a claim until CheckOffer and Plan have judged it.
type Offer struct {
	// ID is derived from what is offered: the paths, names, sizes,
	// permissions and modification times of its files. Every attempt to
	// send the same unchanged files has it, in this session or a later
	// one, which is how the receiver finds the parts of an earlier,
	// interrupted attempt; a file changed since has another.
	ID      [files.IDSize]byte
	Files   []File
	Skipped []Skipped

	sources []source // NewOffer's: where each file is read from; nil when received
}

// source is where the sender reads a file from.
type source struct {
	top string // the path given to NewOffer, absolute
	rel string // the file inside top, in the system's separators; "" when top is the file
}

// Total is the sum of the files' sizes.
func (o *Offer) Total() int64 {
	var n int64
	for _, f := range o.Files {
		n += f.Size
	}
	return n
}

// NewOffer offers the files and folders at paths. A folder is offered
// with everything in it, walked in lexical order; what inside it is not a
// regular file or a folder (symbolic links, devices, sockets, named
// pipes), empty folders, folders that cannot be read, and files whose
// names the receiver would refuse (CheckOffer) are left out and listed in
// Skipped with the reason (sorted by name). A path that is itself a symbolic link or a
// special file is refused (ErrNotRegular), as are two paths with the same
// name, more than files.MaxEntries files (ErrTooMany), or a list of names
// too long for one message. Nothing is read but the folders' listings:
// the files are read, and hashed, while they are sent.
func NewOffer(paths []string) (*Offer, error) {
	if len(paths) == 0 {
		return nil, errors.New("transfer: nothing to send")
	}
	o := &Offer{}
	w := &walker{o: o, names: newNameSet(), tops: map[string]bool{}}
	for _, p := range paths {
		if err := w.addTop(p); err != nil {
			return nil, err
		}
	}
	id := files.HashChunk(w.id.Bytes())
	copy(o.ID[:], id[:])
	if len(o.Files) == 0 {
		return nil, fmt.Errorf("transfer: nothing to send: %s holds no file that can be sent", strings.Join(paths, ", "))
	}
	if o.Total() > files.MaxSize {
		return nil, fmt.Errorf("%w: the files add up to more than 1 PiB", ErrTooMany)
	}
	slices.SortStableFunc(w.skipped, func(a, b Skipped) int { return strings.Compare(a.Name, b.Name) })
	if len(w.skipped) > files.MaxEntries {
		more := len(w.skipped) - (files.MaxEntries - 1)
		w.skipped = append(w.skipped[:files.MaxEntries-1], Skipped{Name: fmt.Sprintf("%d more", more), Reason: "also left out"})
	}
	o.Skipped = w.skipped
	if _, err := files.AppendOffer(nil, toWire(o)); err != nil {
		if errors.Is(err, files.ErrTooLarge) {
			return nil, fmt.Errorf("%w: the list of names is too long for one offer; send fewer files at a time", ErrTooMany)
		}
		return nil, fmt.Errorf("transfer: making the offer: %w", err)
	}
	return o, nil
}

// walker builds an offer.
type walker struct {
	o       *Offer
	names   *nameSet        // every file's name, to leave out clashes
	tops    map[string]bool // folded names of the paths given
	skipped []Skipped
	id      bytes.Buffer // what the offer's ID is the hash of
}

// addTop adds one path given to NewOffer.
func (w *walker) addTop(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("transfer: cannot send %s: %w", p, err)
	}
	info, err := os.Lstat(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("transfer: cannot send %s: %w", p, err)
	}
	name := filepath.Base(abs)
	if !info.IsDir() && !info.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is %s; choose a file or a folder", ErrNotRegular, p, kind(info.Mode()))
	}
	if reason := checkName(name); reason != "" {
		return fmt.Errorf("transfer: cannot send %s: its name %s", p, reason)
	}
	if w.tops[fold(name)] {
		return fmt.Errorf("transfer: cannot send two things named %s at once: send them one after the other", Display(name))
	}
	w.tops[fold(name)] = true
	if info.Mode().IsRegular() {
		w.names.add(name)
		return w.addFile(name, info, source{top: abs})
	}
	return w.walk(abs, name)
}

// walk adds a folder's content, in lexical order.
func (w *walker) walk(top, topName string) error {
	hasContent := map[string]bool{}
	var folders []string
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(top, path)
		if rerr != nil {
			return rerr
		}
		name := topName
		if rel != "." {
			name += "/" + filepath.ToSlash(rel)
			hasContent[filepath.Dir(path)] = true
		}
		if err != nil {
			if path == top {
				return fmt.Errorf("transfer: cannot read the folder %s: %w", top, unwrapPath(err))
			}
			w.skip(name, "could not be read: "+unwrapPath(err).Error())
			if d != nil && d.IsDir() {
				hasContent[path] = true // listed as unreadable, not as empty
				return fs.SkipDir
			}
			return nil
		}
		switch t := d.Type(); {
		case d.IsDir():
			folders = append(folders, path)
			return nil
		case t.IsRegular():
			if reason := checkName(name); reason != "" {
				w.skip(name, "its name "+reason)
				return nil
			}
			if reason := w.names.add(name); reason != "" {
				w.skip(name, "its name "+reason)
				return nil
			}
			info, err := d.Info()
			if err != nil {
				w.skip(name, "could not be read: "+unwrapPath(err).Error())
				return nil
			}
			return w.addFile(name, info, source{top: top, rel: rel})
		default:
			w.skip(name, kind(t))
			return nil
		}
	})
	if err != nil {
		return err
	}
	for _, f := range folders {
		if !hasContent[f] {
			name := topName
			if rel, _ := filepath.Rel(top, f); rel != "." {
				name += "/" + filepath.ToSlash(rel)
			}
			w.skip(name, "an empty folder")
		}
	}
	return nil
}

func (w *walker) addFile(name string, info fs.FileInfo, src source) error {
	if len(w.o.Files) == files.MaxEntries {
		return fmt.Errorf("%w: more than %d files; send fewer at a time (a folder's subfolders one by one, or a zip of it)", ErrTooMany, files.MaxEntries)
	}
	w.o.Files = append(w.o.Files, File{Name: name, Size: info.Size(), Mode: info.Mode().Perm()})
	w.o.sources = append(w.o.sources, src)
	fmt.Fprintf(&w.id, "%q %q %q %d %o %d\n", src.top, src.rel, name, info.Size(), info.Mode().Perm(), info.ModTime().UnixNano())
	return nil
}

func (w *walker) skip(name, reason string) {
	w.skipped = append(w.skipped, Skipped{Name: Display(name), Reason: files.Truncate(reason, files.MaxReason)})
}

// kind names what a file that is neither regular nor a folder is.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "not a regular file"
	}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// toWire is o as the offer message carries it.
func toWire(o *Offer) *files.Offer {
	w := &files.Offer{ID: o.ID, Entries: make([]files.Entry, len(o.Files)), Skipped: make([]files.Skip, len(o.Skipped))}
	for i, f := range o.Files {
		w.Entries[i] = files.Entry{Name: f.Name, Size: f.Size, Mode: uint32(f.Mode.Perm())}
	}
	for i, s := range o.Skipped {
		w.Skipped[i] = files.Skip{Name: s.Name, Reason: s.Reason}
	}
	return w
}

// fromWire is the offer a message carries, without sources.
func fromWire(w *files.Offer) *Offer {
	o := &Offer{ID: w.ID, Files: make([]File, len(w.Entries)), Skipped: make([]Skipped, len(w.Skipped))}
	for i, e := range w.Entries {
		o.Files[i] = File{Name: e.Name, Size: e.Size, Mode: fs.FileMode(e.Mode)}
	}
	for i, s := range w.Skipped {
		o.Skipped[i] = Skipped{Name: s.Name, Reason: s.Reason}
	}
	return o
}
