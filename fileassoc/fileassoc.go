package fileassoc

import "errors"

// The names this package registers.
const (
	// Extension is the invitation file's extension.
	Extension = ".rainvite"
	// Class is the file type the extension points at; it holds the
	// icon and the command that opens a file.
	Class = "ra-p2p.Invitation"
	// ContentType is the MIME type, as the Linux packaging names it
	// (packaging/ra-p2p-invitation.xml).
	ContentType = "application/x-ra-p2p-invitation"
	// TypeName is what Explorer shows as the file's type.
	TypeName = "Remote Assistance invitation"
)

// State is what the registration of invitation files is, seen from one
// program.
type State int

const (
	// Unregistered: double-clicking an invitation does not run ra-p2p.
	Unregistered State = iota
	// Moved: it runs another ra-p2p.exe (this one was moved, or is a
	// second copy).
	Moved
	// Taken: the extension belongs to another program (the user chose
	// it); ra-p2p leaves it so.
	Taken
	// Registered: it runs this program.
	Registered
)

func (s State) String() string {
	switch s {
	case Unregistered:
		return "unregistered"
	case Moved:
		return "registered to another ra-p2p.exe"
	case Taken:
		return "taken by another program"
	case Registered:
		return "registered"
	}
	return "unknown"
}

// ErrNotHere is returned on systems where ra-p2p's installation registers
// invitation files, not the program itself (Linux).
var ErrNotHere = errors.New("fileassoc: invitation files are registered by ra-p2p's installation on this system (make install or the Debian package), not by the program")

// Command is the command line that opens the invitation file in %1 with
// the program exe, as the registry holds it.
func Command(exe string) string { return `"` + exe + `" help "%1"` }
