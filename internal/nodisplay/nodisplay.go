//go:build !windows

// Package nodisplay lets the windowed ra-p2p binary run where there is no
// display (a server, an SSH session, the namespace tests): Ebiten opens the
// display in its package init and panics without one, before main can look
// at flags. This package's init runs before Ebiten's (it imports only
// syscall, and Go initializes the first ready package in import-path order),
// and, when neither DISPLAY nor WAYLAND_DISPLAY is set, replaces the process
// with the terminal-only build beside it, ra-p2p-nogui, with the same
// arguments and environment.
//
// It must never do anything else: no flags, no logging, no network. On
// Windows it does nothing: there is always a desktop to open windows on.
package nodisplay

import "syscall"

// Sibling is the name of the terminal-only build, in the same directory.
const Sibling = "ra-p2p-nogui"

func init() {
	if hasEnv("DISPLAY") || hasEnv("WAYLAND_DISPLAY") || hasEnv("RA_P2P_NO_REEXEC") {
		return
	}
	exe, err := readlink("/proc/self/exe")
	if err != nil {
		return // let Ebiten explain what is missing
	}
	dir := exe
	for i := len(dir) - 1; i >= 0; i-- {
		if dir[i] == '/' {
			dir = dir[:i]
			break
		}
	}
	args, err := cmdline()
	if err != nil || len(args) == 0 {
		return
	}
	args[0] = Sibling
	env := append(syscall.Environ(), "RA_P2P_NO_REEXEC=1")
	err = syscall.Exec(dir+"/"+Sibling, args, env)
	// Exec only returns on failure: say what to do instead of Ebiten's panic.
	msg := "ra-p2p: there is no display (DISPLAY is not set) and " + dir + "/" + Sibling + " could not be started (" + err.Error() + ").\n" +
		"Install ra-p2p-nogui beside ra-p2p (make install does), or run from a desktop session.\n"
	syscall.Write(2, []byte(msg))
	syscall.Exit(1)
}

func hasEnv(k string) bool {
	v, ok := syscall.Getenv(k)
	return ok && v != ""
}

func readlink(path string) (string, error) {
	buf := make([]byte, 4096)
	n, err := syscall.Readlink(path, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// cmdline reads this process's arguments without package os (which must not
// be initialized before this package decides).
func cmdline() ([]string, error) {
	fd, err := syscall.Open("/proc/self/cmdline", syscall.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	var data []byte
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Read(fd, buf)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		data = append(data, buf[:n]...)
	}
	var args []string
	start := 0
	for i, b := range data {
		if b == 0 {
			args = append(args, string(data[start:i]))
			start = i + 1
		}
	}
	return args, nil
}
