// Package session runs one remote-assistance session from either side: the
// novice waiting behind an invitation, and the helper who uses it. It wires
// invite (what is proved), p2p (how the two computers meet, directly) and
// stream (what is said on the wire), and hands its user interface plain
// events and questions, so the terminal UI and the windows share one
// implementation.
//
// It must never draw anything or read a terminal itself: every question goes
// through Prompter, every happening comes out as an Event. It must never
// accept a session stream from anyone but the helper the novice accepted,
// nor over a relayed connection.
package session
