//go:build !windows

package fileassoc

// Check says whether double-clicking an invitation runs exe.
func Check(exe string) (State, error) { return Unregistered, ErrNotHere }

// Register makes invitation files open with exe, for the current user.
func Register(exe string) error { return ErrNotHere }

// Unregister removes the registration Register made.
func Unregister() error { return ErrNotHere }
