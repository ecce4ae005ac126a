// Package session runs one remote-assistance session from either side: the
// novice waiting behind an invitation, and the helper who uses it. It wires
// invite (what is proved), p2p (how the two computers meet, directly) and
// stream (what is said on the wire), and is the channel layer: chat lives
// here, and every other channel (the screen, remote control; files and
// voice next) plugs in as a Channel with a novice half and a helper half,
// started when the helper is accepted and stopped when the session ends.
//
// Its user interface gets typed values only: Questions through Prompter,
// Events through Session.Events (closed when the session is over), and one
// runner (RunHelper, RunNovice) serves the terminal and the windows alike.
//
// It must never draw anything or read a terminal itself, and never know a
// channel's protocol beyond its ID. It must never accept a session or
// channel stream from anyone but the helper the novice accepted, nor over a
// relayed connection (unless it runs through the user's own relay).
package session
