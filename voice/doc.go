// Package voice is the sound path of "Start Talking" without a sound device
// or a network: 10 ms frames of microphone PCM in, Opus packets out
// (Sender); packets in, 10 ms frames of PCM for the speaker out (Receiver).
// The channel opens the devices and carries the packets; this package does
// the rest.
//
// # API
//
// Audio is 48 kHz mono int16 (SampleRate); the device delivers and wants
// FrameSamples (480, 10 ms) at a time, on an audio thread that must never
// block.
//
//	s, err := voice.NewSender(voice.SenderConfig{})   // 28 kbit/s Opus, VoIP, FEC on
//	go s.Run(ctx, func(p voice.Packet) error { … })   // encodes 20 ms packets; send copies p.Payload
//	s.Push(micFrame)                                  // audio thread: copies, never blocks
//	s.SetMuted(true)                                  // sends nothing while muted
//
//	r, err := voice.NewReceiver(voice.ReceiverConfig{})
//	r.Put(p, time.Now())                              // network goroutine
//	r.Pull(speakerFrame)                              // audio thread, every 10 ms
//	st := r.Stats()                                   // delays, jitter, losses for the UI
//	voice.Level(frame)                                // 0..1 for a level meter
//
// # Packets
//
// A Packet is one Opus packet of 20 ms (960 samples), a sequence number
// that goes up by one per packet sent (and wraps), and the sender's sample
// clock at the packet's first sample (which wraps too, every 24.8 hours).
// The clock keeps counting while the sender is muted, so a gap in Time
// with no gap in Seq is a pause, not a loss. How a Packet is put on the
// wire is the caller's business.
//
// # The receiver's buffer
//
// Each packet's transit (arrival minus its Time) is measured; the fastest
// transit of the last 150 packets (3 s) is the baseline, and the target
// delay is the 97th percentile of the transits above it, plus 10 ms,
// within [MinDelay, MaxDelay]. So the buffer is sized in time from the
// measured jitter, grows within one packet of a spike, and shrinks again
// once the spike has left the 3 s window.
//
// The delay (Stats.Delay) is how long the fastest packets wait before they
// are played: the playout clock minus the sender's clock minus the
// baseline. It is steered to the target: when it is 15 ms above, a 10 ms
// frame is dropped (two 10 ms halves of a packet are crossfaded into one)
// where the audio is quiet, or anywhere, every 60 ms, when it is 40 ms
// above; when it is 5 ms below, 10 ms is stretched by Opus concealment.
// That keeps the delay flat however the two sound cards' clocks drift, and
// brings it back down after a spike: the buffer never grows to seconds.
//
// A packet not there when it is due is made up: from the next packet's
// in-band FEC when that has arrived, else by Opus packet-loss concealment;
// if it arrives later it is dropped as late. When nothing at all is
// buffered (a stall, or the other side muted), 10 ms at a time is
// concealed without moving on, so a late burst is still played; after
// MaxStall of that the receiver goes idle (silence) and starts again, with
// a fresh buffer, at the next packet.
//
// # Trust
//
// Every packet is untrusted input from the peer. Payloads over MaxPayload,
// empty ones and those that are not one 20 ms Opus packet (by its TOC
// byte) are refused before they are stored or decoded; sequence numbers
// are compared modulo 2^32 and only a window of 64 packets (1.28 s) ahead
// of the playout point is stored, in fixed slots, so duplicates, reordering
// and jumps cost nothing; Time is a claim that can only move the target
// delay within [MinDelay, MaxDelay]. A peer can spoil its own voice, not
// the receiver's memory or CPU.
//
// # What this package must never do
//
//   - Block or allocate on the audio thread: Push copies into a fixed ring
//     and signals without waiting; Pull takes one mutex, which Put holds
//     only to copy a packet and update the jitter window (microseconds),
//     and decodes into fixed buffers.
//   - Let the receiver's delay grow with time (RustDesk's reaches seconds:
//     RECIPES.md, Voice).
//   - Open a sound device, touch the network, or import libp2p, a GUI or
//     anything of ra-p2p: PCM and packets in, PCM and packets out.
//   - Start a goroutine it does not own: only Sender.Run runs one, its own
//     loop, and returns when its context ends.
package voice
