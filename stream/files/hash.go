package files

import "lukechampine.com/blake3"

// HashChunk is the hash a chunk carries: BLAKE3-256 of its data.
func HashChunk(data []byte) Hash { return blake3.Sum256(data) }

// Chain is a file's hash as it is built: the zero value is an empty file's;
// Add takes the hash of each chunk, in order. The state is the hash
// itself, 32 bytes, so a resumed transfer carries on from the state of the
// prefix (see the package documentation).
type Chain struct {
	h Hash
}

// Add folds in the hash of the file's next chunk:
// state = BLAKE3-256(state || chunk).
func (c *Chain) Add(chunk Hash) {
	var in [2 * HashSize]byte
	copy(in[:], c.h[:])
	copy(in[HashSize:], chunk[:])
	c.h = blake3.Sum256(in[:])
}

// Sum is the hash of the chunks added so far: the file hash once every
// chunk was added.
func (c *Chain) Sum() Hash { return c.h }
