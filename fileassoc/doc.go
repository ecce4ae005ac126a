// Package fileassoc makes invitation files (.rainvite) open with ra-p2p
// when they are double-clicked on Windows: it registers the extension for
// the current user under HKEY_CURRENT_USER\Software\Classes (no
// administrator rights needed), checks whether that registration points at
// the running program, and removes it again.
//
// On Linux the same job is done by the installed files (the MIME type and
// the .desktop handler in packaging/, put in place by make install or the
// Debian package), so there this package only says that it has nothing to
// do (ErrNotHere).
//
// # What this package must never do
//
// It touches only the keys it owns: .rainvite's default value, the value
// that says what kind of file it is, and the ra-p2p.Invitation class.
// Unregister removes .rainvite's association only while it still names
// that class, so an association the user gave to another program stays.
// It never asks for administrator rights and never writes machine-wide
// keys. It decides nothing about when to register: cmd/ra-p2p does, from
// the user's config.
package fileassoc
