package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/ra-p2p/ra-p2p/config"
	"github.com/ra-p2p/ra-p2p/fileassoc"
)

// What is said when invitation files were just made to open with this
// program: by --register, or (with how to undo it) once by a start.
const (
	registeredNow    = "Invitation files (.rainvite) now open with ra-p2p when you double-click them (for your Windows account only)."
	registeredNotice = registeredNow + " To undo this, run: ra-p2p.exe --unregister"
)

// registerInvitationFiles makes invitation files open with this program
// when they do not (its first run, or it was moved), unless the user
// turned that off or gave them to another program, and returns the
// sentence that says so ("" when nothing changed). On Linux the
// installation registers them and this does nothing. A failure is only
// logged: the program works without it.
func registerInvitationFiles(logger *slog.Logger) string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	state, err := fileassoc.Check(exe)
	switch {
	case errors.Is(err, fileassoc.ErrNotHere):
		return ""
	case err != nil:
		logger.Warn("checking how invitation files open", "err", err)
		return ""
	case state == fileassoc.Registered || state == fileassoc.Taken:
		return ""
	}
	c, err := config.Load()
	if err != nil || c.InvitationFilesOff {
		return "" // a damaged config file is the command's to report
	}
	if err := fileassoc.Register(exe); err != nil {
		logger.Warn("registering invitation files", "err", err)
		return ""
	}
	return registeredNotice
}

// runRegistration is --register and --unregister: invitation files open
// with this program (again), or no longer; the choice is kept in the
// config file so that the next start does not undo it.
func runRegistration(register bool, stdout io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program: %w", err)
	}
	if register {
		err = fileassoc.Register(exe)
	} else {
		err = fileassoc.Unregister()
	}
	if errors.Is(err, fileassoc.ErrNotHere) {
		return usageError{"on Linux, invitation files open with ra-p2p through its installation (make install or the Debian package); make uninstall or removing the package undoes it"}
	}
	if err != nil {
		return err
	}
	c, err := loadFileConfig()
	if err != nil {
		return err
	}
	c.InvitationFilesOff = !register
	if err := config.Save(c); err != nil {
		return err
	}
	if register {
		fmt.Fprintln(stdout, registeredNow)
	} else {
		fmt.Fprintln(stdout, "Invitation files (.rainvite) no longer open with ra-p2p. To make them open with it again, run: ra-p2p.exe --register")
	}
	return nil
}
