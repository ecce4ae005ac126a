package transfer

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ra-p2p/ra-p2p/internal/humansize"
	"github.com/ra-p2p/ra-p2p/stream/files"
)

// Layout is where a received offer goes, and what of it an earlier
// attempt already saved. Plan makes it without writing anything; Receive
// follows it.
type Layout struct {
	Dir   string      // the folder files are saved in, absolute
	Offer *Offer      // what is received
	Items []Item      // what was offered at the top (a file or a folder each), in offer order
	Files []Placement // one per file of the offer, in its order
	Need  int64       // bytes still to receive: the offer's total less what earlier attempts saved
	Free  int64       // free bytes in Dir (or the folder it will be made in) when planned; -1 if unknown
}

// Item is one thing offered at the top: a file, or a folder with files
// in it. It is received as one part beside its target and saved under
// its target when the whole offer has arrived and been verified.
type Item struct {
	Name    string // as offered: "report.pdf", "photos"
	Target  string // the name it will be saved under in Dir: "report (1).pdf" if "report.pdf" is taken
	Folder  bool
	Resumed bool // an earlier attempt's part of it was found, and is continued

	slot   int   // the n of Target's " (n)", 0 for Name itself
	files  []int // its files, indices into Offer.Files, in offer order
	reset  bool  // a damaged record or part was found at Target: it is deleted first
	done   int   // of files, how many an earlier attempt received and verified
	offset int64 // the record's offset in the next file
}

// Placement is where one file goes.
type Placement struct {
	Item   int    // index in Layout.Items
	Target string // where the file will be, relative to Dir, '/'-separated: "photos (1)/2024/a.jpg"
	Offset int64  // bytes an earlier attempt received and verified: the sender starts here
	Have   bool   // an earlier attempt received and verified all of it: nothing is sent
}

// Plan checks o (CheckOffer), finds where each of its items will be saved
// in dir, and what an earlier attempt to receive the same offer left
// there to resume, and checks there is room for the rest
// (ErrNotEnoughSpace). It writes nothing: not even dir, which Receive
// creates (0700) when it is missing, so that a declined offer leaves no
// trace.
//
// An item's target is its name, or the first of "name (1)", "name (2)"…
// that is free: nothing by that name, and no part being received under it
// (for a file, the number goes before the extension: "report (1).pdf",
// "archive (1).tar.gz"; for a folder, after its name: "photos (1)"). A
// part an earlier attempt at the same offer left is found by its record,
// and taken up again under the name it was given, whatever is in that
// name's place by now.
func Plan(dir string, o *Offer) (*Layout, error) {
	if err := CheckOffer(o); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("transfer: the folder %s: %w", dir, err)
	}
	var root *os.Root
	switch info, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		// Everything is free in a folder Receive will make.
	case err != nil:
		return nil, fmt.Errorf("transfer: cannot use the folder %s: %w", dir, unwrapPath(err))
	case !info.IsDir():
		return nil, fmt.Errorf("transfer: cannot save in %s: it is not a folder", dir)
	default:
		if root, err = os.OpenRoot(dir); err != nil {
			return nil, fmt.Errorf("transfer: cannot use the folder %s: %w", dir, unwrapPath(err))
		}
		defer root.Close()
	}
	p := &Layout{Dir: dir, Offer: o, Files: make([]Placement, len(o.Files))}
	byTop := map[string]int{}
	for i, f := range o.Files {
		top, rest, folder := strings.Cut(f.Name, "/")
		k, ok := byTop[top]
		if !ok {
			k = len(p.Items)
			byTop[top] = k
			p.Items = append(p.Items, Item{Name: top, Folder: folder})
		}
		p.Items[k].files = append(p.Items[k].files, i)
		p.Files[i] = Placement{Item: k, Target: rest} // completed below
	}
	taken := map[string]bool{} // folded targets given to items of this offer
	parts := earlierParts(root, hex.EncodeToString(o.ID[:]))
	for k := range p.Items {
		it := &p.Items[k]
		if err := it.choose(root, o, parts, taken); err != nil {
			return nil, err
		}
		taken[fold(it.Target)] = true
		if it.Resumed {
			it.resume(root, o, p.Files)
		}
		for _, i := range it.files {
			pl := &p.Files[i]
			if it.Folder {
				pl.Target = it.Target + "/" + pl.Target
			} else {
				pl.Target = it.Target
			}
			if !pl.Have {
				p.Need += o.Files[i].Size - pl.Offset
			}
		}
	}
	p.Free = -1
	if free, err := freeSpace(existingParent(dir)); err == nil {
		p.Free = free
		if p.Need > free {
			return nil, fmt.Errorf("%w in %s: the files need %s, and %s is free", ErrNotEnoughSpace, dir, humansize.Bytes(p.Need), humansize.Bytes(free))
		}
	}
	return p, nil
}

// earlierPart is a part an earlier attempt at the same offer left.
type earlierPart struct {
	target string
	rec    record
}

// earlierParts finds, by their records, the parts that earlier attempts at
// the offer idHex left in the folder, by item digest. Every record is
// looked at, not only those of an item's first free names: the name a
// part was given may have come free since ("report.pdf" deleted while
// "report (1).pdf.ra-p2p-part" waits).
func earlierParts(root *os.Root, idHex string) map[string]earlierPart {
	if root == nil {
		return nil
	}
	d, err := root.Open(".")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	found := map[string]earlierPart{}
	for _, n := range names {
		target, ok := strings.CutSuffix(n, recordSuffix)
		if !ok || target == "" {
			continue
		}
		if rec, err := readRecord(root, n, files.MaxEntries); err == nil && rec.Offer == idHex {
			found[rec.Item] = earlierPart{target: target, rec: rec}
		}
	}
	return found
}

// choose finds the item's target: where an earlier attempt's part of it
// is, or else the first free name.
func (it *Item) choose(root *os.Root, o *Offer, parts map[string]earlierPart, taken map[string]bool) error {
	if p, ok := parts[itemDigest(o, it.files)]; ok && p.rec.Done <= len(it.files) && !taken[fold(p.target)] {
		for n := 0; n <= maxSuffix; n++ {
			if suffixed(it.Name, n, it.Folder) == p.target {
				it.Target, it.slot, it.Resumed, it.done, it.offset = p.target, n, true, p.rec.Done, p.rec.Offset
				return nil
			}
		}
	}
	for n := 0; n <= maxSuffix; n++ {
		name := suffixed(it.Name, n, it.Folder)
		if taken[fold(name)] {
			continue
		}
		_, err := readRecord(root, name+recordSuffix, len(it.files))
		switch {
		case errors.Is(err, errDamagedRecord) && !exists(root, name):
			it.Target, it.slot, it.reset = name, n, true
			return nil
		case errors.Is(err, fs.ErrNotExist) && !exists(root, name) && !exists(root, name+partSuffix):
			it.Target, it.slot = name, n
			return nil
		}
		// Taken: by a file or folder of that name, or another transfer's part.
	}
	return fmt.Errorf("transfer: cannot save %s: every name up to %s is taken", Display(it.Name), Display(suffixed(it.Name, maxSuffix, it.Folder)))
}

// resume takes up the earlier attempt's part: the files its record says
// were verified count as received if they are still there at their full
// size, and the next one continues from the record's offset, if the part
// holds that much (rounded down to a chunk). Anything else about the part
// is received again.
func (it *Item) resume(root *os.Root, o *Offer, pls []Placement) {
	info, err := root.Lstat(it.Target + partSuffix)
	if err != nil || (it.Folder && !info.IsDir()) || (!it.Folder && !info.Mode().IsRegular()) {
		it.Resumed, it.reset, it.done, it.offset = false, true, 0, 0
		return
	}
	for j, i := range it.files {
		f := o.Files[i]
		fi, err := root.Lstat(it.partPath(f.Name))
		ok := err == nil && fi.Mode().IsRegular()
		if j < it.done {
			if ok && fi.Size() == f.Size {
				pls[i].Have = true
				continue
			}
			it.done, it.offset = j, 0
		}
		if ok {
			off := min(it.offset, fi.Size(), f.Size)
			pls[i].Offset = off - off%files.ChunkSize
		}
		it.offset = pls[i].Offset
		break
	}
}

// partPath is where the file called name (in the offer) is written while
// the item is received, relative to Dir: the part itself for a file; in
// the part folder, at its place in the item, for a folder.
func (it *Item) partPath(name string) string {
	if !it.Folder {
		return it.Target + partSuffix
	}
	_, rest, _ := strings.Cut(name, "/")
	return filepath.FromSlash(it.Target + partSuffix + "/" + rest)
}

// suffixed is name with " (n)" added: before a file's extension
// ("report (1).pdf", "archive (1).tar.gz", ".bashrc (1)"), after a
// folder's name. n = 0 is name itself.
func suffixed(name string, n int, folder bool) string {
	if n == 0 {
		return name
	}
	stem, ext := name, ""
	if !folder {
		ext = path.Ext(name)
		stem = name[:len(name)-len(ext)]
		if stem == "" {
			stem, ext = name, ""
		} else if e := path.Ext(stem); strings.EqualFold(e, ".tar") && len(e) < len(stem) {
			stem, ext = stem[:len(stem)-len(e)], e+ext
		}
	}
	return fmt.Sprintf("%s (%d)%s", stem, n, ext)
}

// existingParent is dir, or the nearest folder above it that exists.
func existingParent(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return dir
		}
		dir = up
	}
}
