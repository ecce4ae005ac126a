// Package audio is the sound-device layer of the voice feature ("Start
// Talking"): it lists microphones and speakers and opens one full-duplex
// device whose callback sees, every 10 ms, exactly FrameSamples of what the
// microphone heard and fills exactly FrameSamples of what the speaker plays
// (48 kHz, mono, int16). Microphone and speaker frames handed to one call
// belong together in time, which an echo canceller needs.
//
// It talks to the desktop's sound server through miniaudio (malgo): the
// PulseAudio protocol first (PipeWire's pipewire-pulse or PulseAudio), then
// ALSA. It must never fall back to miniaudio's null device (a device that
// plays into nothing would look like working voice): without a sound server
// or devices it says ErrNoSoundSystem, and the caller disables the button
// with that reason. It never starts a sound server (no autospawn) and never
// changes the system's volumes or default devices.
//
// It knows nothing of codecs, the network, jitter or echo: Config.Play
// and Config.Capture are where those plug in (Capture gets, beside each
// microphone frame, the speaker frame played at that moment: an echo
// canceller's reference). They run on the sound server's real-time thread:
// they must not block, and this package allocates nothing there.
package audio
