package invite

import (
	"errors"
	"fmt"
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
