package invite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// ErrFileExists is returned by WriteFile when the file is already there.
var ErrFileExists = errors.New("invite: the file already exists")

// FileName makes "alice.rainvite" from "Alice" (letters and digits only).
func FileName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_':
			b.WriteRune('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "invitation"
	}
	return s + ".rainvite"
}

// WriteFile writes an armored invitation to path without replacing an
// existing file (which may be an older invitation someone still needs):
// then the error wraps ErrFileExists. A failed write leaves no file.
func WriteFile(path string, armored []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("writing %s: %w", path, ErrFileExists)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(armored); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Create makes a new invitation: the armored invitation into the file at
// path (never over an existing one: ErrFileExists) and its key into store.
// The file comes first: when it is refused, no key is kept for an
// invitation no one has. It returns the novice's entry and the armored text.
func Create(store Store, opts Options, path string) (*Entry, []byte, error) {
	inv, priv, pwKey, err := New(opts)
	if err != nil {
		return nil, nil, optionsError{err}
	}
	armored, err := Encode(inv, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("writing the invitation: %w", err)
	}
	if err := WriteFile(path, armored); err != nil {
		return nil, nil, err
	}
	if err := store.Save(inv, priv, pwKey); err != nil {
		os.Remove(path)
		return nil, nil, fmt.Errorf("keeping the invitation's key: %w", err)
	}
	return &Entry{Invitation: inv, Key: priv, PasswordKey: pwKey}, armored, nil
}

// ErrInvalidOptions marks Create's errors about its options (what New
// refuses: a name too long, a lifetime out of range…); their text says
// what is wrong in words for the person who chose them.
var ErrInvalidOptions = errors.New("invite: invalid options")

type optionsError struct{ err error }

func (e optionsError) Error() string        { return e.err.Error() }
func (e optionsError) Unwrap() error        { return e.err }
func (e optionsError) Is(target error) bool { return target == ErrInvalidOptions }

// Errors of ReadFile a caller words for the user.
var (
	ErrNotRegular = errors.New("invite: not a regular file")
	ErrTooLarge   = errors.New("invite: larger than any invitation")
)

// MaxFileSize bounds an invitation file: Parse refuses more.
const MaxFileSize = maxInput

// ReadFile reads an invitation file: only a regular file (a directory, a
// device such as /dev/zero or a pipe that never ends is refused before it
// is opened, so reading never hangs) and at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("reading %s of %d bytes (limit %d): %w", path, fi.Size(), MaxFileSize, ErrTooLarge)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(b) > MaxFileSize { // it grew since Stat
		return nil, fmt.Errorf("reading %s (limit %d bytes): %w", path, MaxFileSize, ErrTooLarge)
	}
	return b, nil
}
