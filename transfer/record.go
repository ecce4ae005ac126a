package transfer

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ra-p2p/ra-p2p/stream/files"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// record is what a receiver keeps beside a part (NAME.ra-p2p-part.json):
// whose part it is and how far it got. It is small and rewritten whole
// (see the package documentation for when). Any doubt about it (it does not parse, a field is out of
// range) means the part is started again: the record is a hint for where
// to resume, never a claim about the bytes, which both sides hash again.
type record struct {
	V      int    `json:"v"`      // recordVersion
	Offer  string `json:"offer"`  // the offer's ID, hex
	Item   string `json:"item"`   // itemDigest of the item's files, hex
	Done   int    `json:"done"`   // files of the item received and verified, in offer order
	Offset int64  `json:"offset"` // bytes of the next file received and verified so far (resumed from a whole chunk)
}

const (
	recordVersion = 1
	maxRecordSize = 1 << 10
	// recordEvery: a record is rewritten at least this often while a large
	// file arrives, so that a crash loses at most this much.
	recordEvery = 64 * files.ChunkSize
)

// itemDigest identifies what an offer holds under one top-level name:
// BLAKE3-256 over each file's name, size and mode, in offer order. With the
// offer's ID it tells a part of this offer from another's of the same name.
func itemDigest(o *Offer, idx []int) string {
	var b []byte
	for _, i := range idx {
		f := o.Files[i]
		b = framing.AppendString(b, f.Name)
		b = binary.AppendUvarint(b, uint64(f.Size))
		b = binary.AppendUvarint(b, uint64(f.Mode.Perm()))
	}
	h := files.HashChunk(b)
	return hex.EncodeToString(h[:])
}

var errDamagedRecord = errors.New("damaged record")

// readRecord reads the record at name; fs.ErrNotExist when there is none,
// errDamagedRecord when it is there but unusable.
func readRecord(root *os.Root, name string, items int) (record, error) {
	if root == nil {
		return record{}, fs.ErrNotExist
	}
	info, err := root.Lstat(name)
	if err != nil {
		return record{}, err
	}
	if !info.Mode().IsRegular() || info.Size() > maxRecordSize {
		return record{}, fmt.Errorf("%w: not a small regular file", errDamagedRecord)
	}
	b, err := root.ReadFile(name)
	if err != nil {
		return record{}, fmt.Errorf("%w: %w", errDamagedRecord, err)
	}
	return parseRecord(b, items)
}

// parseRecord decodes a record of an item of items files.
func parseRecord(b []byte, items int) (record, error) {
	var r record
	if len(b) > maxRecordSize {
		return record{}, fmt.Errorf("%w: %d bytes", errDamagedRecord, len(b))
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return record{}, fmt.Errorf("%w: %w", errDamagedRecord, err)
	}
	_, errOffer := hex.DecodeString(r.Offer)
	_, errItem := hex.DecodeString(r.Item)
	if r.V != recordVersion || len(r.Offer) != 2*files.IDSize || len(r.Item) != 2*files.HashSize || errOffer != nil || errItem != nil ||
		r.Done < 0 || r.Done > items || r.Offset < 0 || r.Offset > files.MaxSize {
		return record{}, fmt.Errorf("%w: a field is out of range", errDamagedRecord)
	}
	return r, nil
}

func writeRecord(root *os.Root, name string, r record) error {
	r.V = recordVersion
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return root.WriteFile(name, b, 0o600)
}

// exists says whether name is there (whatever it is), treating errors
// other than "does not exist" as "it is there": a name that cannot be
// looked at is never taken for free.
func exists(root *os.Root, name string) bool {
	if root == nil {
		return false
	}
	_, err := root.Lstat(name)
	return !errors.Is(err, fs.ErrNotExist)
}
