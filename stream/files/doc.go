// Package files is the wire format of the file protocol
// (/ra-p2p/file/1.0.0, stream.FileProtocol): one stream per transfer, on
// which a sender offers files, the receiver accepts (saying where to
// resume) or declines, the sender sends the files in chunks, and the
// receiver confirms that everything arrived, verified and saved.
//
// It is only the messages, their limits and the hash: encoders, decoders
// that bound every field, a reusable chunk buffer, and the chain hash of a
// file. Reading files, checking names, asking anyone, writing to disk and
// running the exchange is package transfer's; opening the stream is the
// channel's.
//
// # What this package must never do
//
//   - Import libp2p, a GUI, or any other ra-p2p package than stream/framing
//     (internal/depcheck): it works over bytes, and is tested over net.Pipe.
//   - Touch the file system, or decide anything: whether a name is safe to
//     save, and whether to accept, are the receiver's decisions
//     (transfer.CheckOffer, the person asked).
//
// # Exchange
//
//	sender                                  receiver
//	MsgOffer       ──────────────────────▶
//	               ◀──────────────────────  MsgAnswer (declined: the end)
//	per file to send, in offer order, from the answer's offset:
//	MsgChunk …     ──────────────────────▶  (each checked, then written)
//	MsgFileEnd     ──────────────────────▶  (the file hash checked)
//	               ◀──────────────────────  MsgDone: every file verified and saved
//
// MsgCancel may come from either side at any time after the offer, and
// ends the transfer; nothing follows it. The receiver answers while the
// sender waits (a person decides; only the sender's context bounds it).
// The sender reads the stream while it sends, so a receiver's MsgCancel
// reaches it even while a chunk write is blocked; the receiver, after
// sending MsgCancel, reads and discards until the sender hangs up, so its
// closing never turns into a reset that loses the MsgCancel.
//
// # Layout
//
// Every message is one frame (stream/framing), at most MaxMessage bytes.
// Integers are unsigned LEB128 "uvarint"; a string is uvarint(len) then
// len bytes. Nothing follows the last field (trailing bytes are an error).
//
//	MsgOffer (0x40), sender → receiver:
//	  id         16 bytes  the offer's ID, the same for every attempt to send it
//	  count      uvarint   1..MaxEntries files, then count × entry:
//	    name     string    1..MaxName bytes, '/'-separated, each element ≤ MaxNameElement
//	    size     uvarint   0..MaxSize
//	    mode     uvarint   permission bits, 0..0o777
//	  skipped    uvarint   0..MaxEntries, then skipped × {name string 1..MaxName,
//	                       reason string 0..MaxReason}: what the sender left out and why
//
//	MsgAnswer (0x41), receiver → sender:
//	  accepted   byte      0 declined, 1 accepted
//	  declined:  reason    string 0..MaxReason
//	  accepted:  count     uvarint, = the offer's count, then count × file:
//	    state    byte      0 send it, 1 have it (received and verified before: send nothing)
//	    send:    offset    uvarint: start here; a multiple of ChunkSize, ≤ size
//
//	MsgChunk (0x42), sender → receiver:
//	  index      uvarint   the file, < count
//	  offset     uvarint   a multiple of ChunkSize
//	  hash       32 bytes  BLAKE3-256 of data
//	  data       the rest of the frame: 1..ChunkSize bytes
//
//	MsgFileEnd (0x43), sender → receiver:
//	  index      uvarint
//	  hash       32 bytes  the file hash (below)
//
//	MsgDone (0x44), receiver → sender: empty
//
//	MsgCancel (0x45), either way:
//	  kind       byte      0 the person cancelled, 1 this side failed (disk full, damage…)
//	  reason     string    0..MaxReason: a sentence for the other side's person
//
// The sender sends the files it was not told it has in offer order; of
// each, every chunk from the answer's offset in order, each ChunkSize bytes
// but the last (which may be shorter, never empty), then its MsgFileEnd. An
// empty file is only a MsgFileEnd. After the last file's MsgFileEnd it
// waits for MsgDone (or MsgCancel).
//
// Text fields (names of skipped files, reasons) pass CheckText: no control
// characters, terminal escapes or invisible characters, valid UTF-8.
//
// # The file hash, and resuming
//
// The hash of a file is a chain over its chunks:
//
//	state₀ = 32 zero bytes
//	stateᵢ = BLAKE3-256(stateᵢ₋₁ || BLAKE3-256(chunkᵢ))
//	hash   = stateₙ     (n chunks of ChunkSize bytes, the last one shorter)
//
// It is built while the bytes move: the sender hashes each chunk as it
// reads it (it needs that hash for the chunk anyway), so no hashing pass
// over the file delays the first byte, as croc's does. The chain's state is
// 32 bytes at any chunk boundary, which is what makes resuming cheap: a
// file resumed at offset k·ChunkSize needs only stateₖ of its prefix.
//
// Neither side takes the other's word for that prefix. Each side hashes
// its own copy of the prefix (the sender its file, the receiver its part)
// on a goroutine while the rest of the file moves, and keeps the hashes of
// the chunks that arrive before it finishes (32 bytes per MiB); at
// MsgFileEnd the two chains are complete and the receiver compares them.
// So "verified" means that the receiver's bytes on disk are the sender's
// bytes now, even if the prefix was damaged on the receiver's disk or the
// file changed on the sender's between attempts; either shows as a
// mismatch, the part is discarded, and the next attempt starts over.
// (Having the receiver send its prefix state in the answer would save the
// sender's read, but then nothing would check the prefix at all.)
//
// # Trust
//
// Every field from the peer is a claim. The decoders bound counts before
// they allocate (never more than the body can hold), lengths, sizes
// (MaxSize), modes (permission bits only) and offsets (multiples of
// ChunkSize within the file), and refuse text that could disguise itself
// on a screen. Names are checked only for their lengths here: whether a
// name is safe to save (not absolute, no "..", no device names…) is
// transfer.CheckOffer's, which gives the person a reason per name. Which
// chunk may come next, its length, its hash and the file hash are checked
// by the receiver against the offer and its answer: a sender that sends
// more or less than it offered, or a damaged chunk, ends the transfer.
package files
