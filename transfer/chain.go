package transfer

import (
	"context"
	"fmt"
	"io"

	"github.com/ra-p2p/ra-p2p/stream/files"
)

// prefixHash hashes the first n bytes of a file (n a multiple of
// files.ChunkSize) on its own goroutine, so that a resumed file's bytes
// start moving at once. Its owner, a fileChain, always waits for it.
type prefixHash struct {
	done   chan struct{}
	cancel context.CancelFunc
	chain  files.Chain // set before done closes
	err    error       // likewise
}

func startPrefix(ctx context.Context, f io.ReaderAt, n int64) *prefixHash {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefixHash{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.done)
		buf := make([]byte, files.ChunkSize)
		for off := int64(0); off < n; off += files.ChunkSize {
			if err := ctx.Err(); err != nil {
				p.err = err
				return
			}
			m := min(files.ChunkSize, n-off)
			if _, err := f.ReadAt(buf[:m], off); err != nil {
				p.err = fmt.Errorf("reading the first %d bytes again to check them: %w", n, err)
				return
			}
			p.chain.Add(files.HashChunk(buf[:m]))
		}
	}()
	return p
}

// fileChain is a file's hash as its chunks move: from the start, or after
// a prefix another goroutine hashes meanwhile. The hashes of the chunks
// that move before the prefix is hashed wait in pending (32 bytes per
// chunk), and are folded in as soon as it is.
type fileChain struct {
	prefix  *prefixHash // nil once folded in, or when the file starts at 0
	pending []files.Hash
	chain   files.Chain
}

// resumeAt starts hashing the prefix of f before offset (nothing at 0).
func (c *fileChain) resumeAt(ctx context.Context, f io.ReaderAt, offset int64) {
	if offset > 0 {
		c.prefix = startPrefix(ctx, f, offset)
	}
}

// add takes the hash of the file's next chunk.
func (c *fileChain) add(h files.Hash) {
	if c.prefix != nil && !c.settle(false) {
		c.pending = append(c.pending, h)
		return
	}
	c.chain.Add(h)
}

// settle folds the prefix in once it is hashed, waiting for it if wait;
// it reports whether chain is now the whole hash so far.
func (c *fileChain) settle(wait bool) bool {
	if wait {
		<-c.prefix.done
	} else {
		select {
		case <-c.prefix.done:
		default:
			return false
		}
	}
	if c.prefix.err != nil {
		return false
	}
	c.prefix.cancel()
	c.chain = c.prefix.chain
	for _, h := range c.pending {
		c.chain.Add(h)
	}
	c.prefix, c.pending = nil, nil
	return true
}

// sum is the file hash, once every chunk was added; it waits for the
// prefix.
func (c *fileChain) sum() (files.Hash, error) {
	if c.prefix != nil && !c.settle(true) {
		return files.Hash{}, c.prefix.err
	}
	return c.chain.Sum(), nil
}

// stop ends the prefix's goroutine, if any, and waits for it.
func (c *fileChain) stop() {
	if c.prefix != nil {
		c.prefix.cancel()
		<-c.prefix.done
	}
}
