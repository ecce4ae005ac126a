// Package portal asks the desktop's own file dialog for files to open,
// through xdg-desktop-portal's FileChooser over the session D-Bus: the
// dialog a person knows from the rest of the desktop (GNOME's, KDE's…),
// which also works for a program in a sandbox.
//
// It must never start a bus or a portal of its own: without a session bus,
// or with no portal that has a FileChooser on it, OpenFiles says
// ErrNoPortal at once and the caller asks another way. It never reads the
// files it is told about.
package portal
