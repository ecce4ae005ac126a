package files

import (
	"math/rand/v2"
	"testing"

	"lukechampine.com/blake3"
)

// TestHashChunkIsBLAKE3: HashChunk is blake3.Sum256, at every length
// where the tree changes shape (around 1 KiB BLAKE3 chunks, 16-chunk
// groups and powers of two) and at random ones, on data that ends where
// its allocation ends (no reading past it).
func TestHashChunkIsBLAKE3(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, ChunkSize)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	lens := []int{0, 1, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 15*1024 + 5, 16 * 1024, 16*1024 + 1,
		17 * 1024, 31*1024 + 1000, 32 * 1024, 32*1024 + 1, 33 * 1024, 100_000, 500_000, ChunkSize - 1, ChunkSize}
	for range 200 {
		lens = append(lens, r.IntN(ChunkSize+1))
	}
	for n := 0; n < 40*1024; n += 97 {
		lens = append(lens, n)
	}
	for _, n := range lens {
		b := append([]byte(nil), data[:n]...)[:n:n]
		if HashChunk(b) != Hash(blake3.Sum256(b)) {
			t.Fatalf("HashChunk of %d bytes is not BLAKE3-256", n)
		}
	}
}

func BenchmarkHashChunk(b *testing.B) {
	buf := make([]byte, ChunkSize)
	b.SetBytes(ChunkSize)
	for range b.N {
		HashChunk(buf)
	}
}

// BenchmarkSum256 is the library's, for comparison.
func BenchmarkSum256(b *testing.B) {
	buf := make([]byte, ChunkSize)
	b.SetBytes(ChunkSize)
	for range b.N {
		blake3.Sum256(buf)
	}
}
