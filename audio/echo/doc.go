// Package echo removes the far end's voice from the microphone before it is
// sent back ("Start Talking" on laptop speakers): an acoustic echo canceller
// (speexdsp's MDF adaptive filter) followed by speexdsp's preprocessor, which
// suppresses the residual echo the filter leaves and the steady background
// noise.
//
// It works on one full-duplex sound callback at a time: the microphone frame
// and the frame the speaker played in the same callback, both mono int16 of a
// fixed length (480 samples, 10 ms at 48 kHz, in ra-p2p). The echo in the
// microphone lags the played frame by the sound device's latency; the filter
// learns that delay and the room's reverberation, up to the tail given to
// New. It knows nothing of codecs, networks or sound devices.
//
// What it must never do: allocate, block on anything but its own brief lock,
// or call into Go from C in Process, which runs on the audio thread; pass
// through uncancelled microphone sound after Close (it writes silence);
// keep a speexdsp state alive past Close. A Canceller is safe for use from
// several goroutines (Process and Close are serialized), but one stream of
// frames needs one Canceller: its state is that stream's echo path.
//
// Built without cgo, New returns ErrUnavailable and callers go without echo
// cancellation (a headset still works).
package echo
