// Package voicecall is the voice channel (/ra-p2p/voice/1.0.0): either
// side's Start Talking asks the other ("Bob wants to talk with you. Allow
// microphone?"); once allowed, both microphones go through the echo
// canceller (audio/echo) and the Opus sender (package voice) to the other
// side, as QUIC datagrams on the direct connection (a stream with the same
// framing when it is TCP), and what arrives goes through the jitter buffer
// to the speaker. Either side stops it; each side mutes its own microphone.
//
// It must never open the microphone before its own person clicked Start
// Talking or allowed the other's request, never keep it open after the call
// ends (the sound device is closed before the call's state says Off), and
// never ask or tell its person anything but through the session (Confirm,
// Emit). It never draws: the window polls Levels for its meter.
package voicecall
