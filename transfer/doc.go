// Package transfer is "Send a File" without a window or a network: it
// offers local files and folders and sends them over one stream of the
// file protocol (stream/files), and on the other side judges an offer,
// plans where it goes, receives it safely, and says it is done. The
// channel (channel/filetransfer) opens the stream, asks the person and
// shows progress; this package does the rest.
//
// # API
//
// Sender:
//
//	offer, err := transfer.NewOffer(paths)    // files and folders; walks folders, lists what it skips
//	err = transfer.Send(ctx, stream, offer, progress)
//	// nil: the receiver verified and saved everything; *DeclinedError,
//	// *CancelledError, ctx.Err(), ErrChanged, ErrProtocol, ErrConnection
//
// Receiver:
//
//	r := transfer.NewReceiver(stream)
//	offer, err := r.ReadOffer(ctx)
//	if err := transfer.CheckOffer(offer); err != nil { r.Decline(ctx, "…"); … } // *OfferError: a reason per name
//	layout, err := transfer.Plan(downloads, offer) // targets, resume offsets, free space; writes nothing
//	… ask the person (offer.Files, offer.Skipped, layout.Items' Targets, layout.Need) …
//	r.Decline(ctx, reason)  or  result, err := r.Receive(ctx, layout, progress)
//
// Progress is called on the transfer's goroutine after each chunk (1 MiB),
// with bytes done, the total and the current file; it must return at once.
// Either side ends a transfer by cancelling its ctx: the other side is sent
// a Cancel, and its Send or Receive returns *CancelledError with ByUser
// set, which the channel words as "cancelled by NAME". Stream is
// network.Stream's (and net.Conn's) reads, writes and deadlines; the
// caller closes the stream after Send or Receive.
//
// # What this package must never do
//
//   - Write outside the receiver's folder, or overwrite anything. Every
//     write goes through an os.Root of the folder, so no name and no
//     symbolic link put there meanwhile leads outside it; a name that is
//     taken gets " (1)", " (2)"…; a file is put in place by a hard link,
//     which fails rather than replace.
//   - Trust the sender: names are judged before the person is asked
//     (CheckOffer), sizes and counts are bounded by the decoders, every
//     chunk is checked against its hash before it is written, and each
//     file against its hash before it is saved under its name.
//   - Open, run or interpret a received file: it is inert data.
//   - Read a whole file into memory, or hash a file before sending it:
//     the sender reads each file once, chunk by chunk, into three reused
//     1 MiB buffers (one being read and hashed on a reading goroutine while
//     the one before is written), and hashes each chunk as it reads it;
//     the receiver reads every chunk into one reused buffer, checks it and
//     writes it.
//   - Send more of a file than was offered, or present a file that changed
//     while it was sent as verified (ErrChanged).
//   - Import libp2p, a GUI or anything of ra-p2p but stream/files and
//     stream/framing (internal/depcheck), or ask anyone anything: the
//     person's decision is the caller's.
//
// # Receiving: parts, records, resuming
//
// An offer is received item by item, an item being what was offered at
// the top: a file ("report.pdf") or a folder ("photos", with everything
// in it). Plan gives each item a target in the folder: its name, or the
// first free "report (1).pdf", "photos (1)"… While the item arrives, it is
// written to a part beside its target, TARGET.ra-p2p-part (a file, or a
// folder holding the item's files at their places), and a record,
// TARGET.ra-p2p-part.json:
//
//	{"v":1,"offer":"<the offer's ID>","item":"<digest of the item's names, sizes, modes>",
//	 "done":<files of the item received and verified>,"offset":<verified bytes of the next>}
//
// Only chunks whose hash matched are written, so a part holds nothing
// unverified; at a file's end the whole-file hash is checked. Once every
// file of the offer has arrived and been verified, each part is put in
// place under its target (or the next free name, if the target was taken
// meanwhile), the records are removed, and the sender is told it is done.
// Nothing appears under a target before everything arrived, and a cut
// transfer leaves only parts and records, which are the state to resume
// from.
//
// A new attempt at the same offer (the sender sends the same Offer value
// again: same ID, same files) finds its parts by their records: Plan reads
// the *.ra-p2p-part.json in the folder and takes up, for each item, the
// part whose record names this offer's ID and the item's digest, under
// the target it was given (even if a name before it came free since). The
// files the record counts as done are not sent again if they are still
// there at their full size; the next one resumes from the record's
// offset, if the part holds that many bytes (rounded down to a chunk, and
// the part is cut there: nothing beyond the last verified chunk is kept).
// The record is written when an item's part is made, rewritten at each
// file's end, every 64 MiB within a file, and when the transfer stops,
// whatever stopped it. A record that cannot be
// read means its part is started again. A user who gives up can delete
// the parts; nothing else does (a cancelled transfer keeps what was
// verified, so it can go on; a part with nothing verified is removed).
//
// # The file hash, and why resuming needs no hashing pass
//
// The hash of a file is a chain over its chunks (stream/files): each
// chunk's BLAKE3-256 is folded into a 32-byte state. The sender hashes
// each chunk as it reads it, so the first byte moves at once, with no pass
// over the file before it. To resume at byte k·1 MiB, each side needs the
// state of the first k chunks: each side hashes its own prefix (the
// sender its file, the receiver its part) on a second goroutine while the
// rest moves, keeping the hashes of chunks that arrive meanwhile (32
// bytes per MiB), and folds them in when the prefix is done; the receiver
// compares at the file's end. This is the simplest scheme that is
// correct: the receiver sending its recorded prefix state in its answer
// would spare the sender a read, but then nothing would check the prefix
// (a damaged part, or a file changed between attempts, would be saved as
// verified). Here either shows as a hash mismatch; the file is then
// received from the start next time.
//
// Files are not flushed to disk with fsync, as a browser's downloads are
// not: a power cut just after the end can lose what the page cache held.
// Resuming is unaffected (the prefix is hashed again); a file the record
// counts as done is checked only for its size.
//
// # Names
//
// CheckOffer refuses, with a reason for each: names that are not local
// (filepath.IsLocal), absolute ("/etc/passwd", "C:\x", "\\server\x"),
// with ".." or "." or an empty element anywhere, control characters,
// terminal escapes (ESC, CSI 0x9b), bidi controls and other invisible
// characters (files.CheckText), Windows device names (CON, PRN, AUX, NUL,
// COM0-9, LPT0-9, also with an extension: "con.txt"), trailing dots and
// spaces, backslashes and the other characters Windows refuses (< > : " |
// ? *), elements over 255 bytes (the first element over MaxTopName, to
// leave room for " (9999)" and the part's suffix), names ending in
// .ra-p2p-part, and duplicates, also ignoring case, or a name that is
// both a file and a folder. The sender applies the same rules and leaves
// out (Skipped, with the reason) a file whose name a receiver would
// refuse, so one odd name does not get a whole folder refused.
package transfer
