// Package sessiontest connects two real sessions for the tests of channels:
// a bootstrap node, a novice and a helper, each a libp2p host of its own on
// loopback, through the real invitation, proof and consent. Only the users
// are scripted.
//
// It is for tests only and must never be imported by the program.
package sessiontest
