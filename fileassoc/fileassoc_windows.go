//go:build windows

package fileassoc

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// classes is where per-user file types live; Windows merges it over the
// machine's into HKEY_CLASSES_ROOT.
const classes = `Software\Classes\`

// Check says whether double-clicking an invitation runs exe.
func Check(exe string) (State, error) {
	class, err := defaultValue(classes + Extension)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return Unregistered, nil
	case err != nil:
		return Unregistered, err
	case class != Class:
		return Taken, nil
	}
	cmd, err := defaultValue(classes + Class + `\shell\open\command`)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return Unregistered, nil
	case err != nil:
		return Unregistered, err
	case !strings.EqualFold(cmd, Command(exe)): // Windows paths ignore case
		return Moved, nil
	}
	return Registered, nil
}

// Register makes invitation files open with exe, for the current user.
func Register(exe string) error {
	values := []struct{ key, name, value string }{
		{classes + Class, "", TypeName},
		{classes + Class + `\DefaultIcon`, "", `"` + exe + `",0`},
		{classes + Class + `\shell\open\command`, "", Command(exe)},
		// The extension last: until it names the class, nothing uses it.
		{classes + Extension, "Content Type", ContentType},
		{classes + Extension, "", Class},
	}
	for _, v := range values {
		k, _, err := registry.CreateKey(registry.CURRENT_USER, v.key, registry.SET_VALUE)
		if err != nil {
			return fmt.Errorf("fileassoc: creating HKCU\\%s: %w", v.key, err)
		}
		err = k.SetStringValue(v.name, v.value)
		k.Close()
		if err != nil {
			return fmt.Errorf("fileassoc: setting HKCU\\%s: %w", v.key, err)
		}
	}
	assocChanged()
	return nil
}

// Unregister removes the registration Register made. The extension's key
// goes only while it still names Class: an association the user gave to
// another program stays. Nothing registered is not an error.
func Unregister() error {
	class, err := defaultValue(classes + Extension)
	switch {
	case err == nil && class == Class:
		if err := deleteTree(classes + Extension); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, registry.ErrNotExist):
		return err
	}
	if err := deleteTree(classes + Class); err != nil {
		return err
	}
	assocChanged()
	return nil
}

// defaultValue reads the default (unnamed) string value of HKCU\path.
func defaultValue(path string) (string, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if err != nil {
		return "", err
	}
	defer k.Close()
	v, _, err := k.GetStringValue("")
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return "", fmt.Errorf("fileassoc: reading HKCU\\%s: %w", path, err)
	}
	return v, err
}

// deleteTree removes HKCU\path with its subkeys (Explorer adds some of its
// own under an extension, such as OpenWithProgids). A missing key is
// already removed.
func deleteTree(path string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.ENUMERATE_SUB_KEYS)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fileassoc: opening HKCU\\%s: %w", path, err)
	}
	names, err := k.ReadSubKeyNames(-1)
	k.Close()
	if err != nil {
		return fmt.Errorf("fileassoc: listing HKCU\\%s: %w", path, err)
	}
	for _, n := range names {
		if err := deleteTree(path + `\` + n); err != nil {
			return err
		}
	}
	if err := registry.DeleteKey(registry.CURRENT_USER, path); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("fileassoc: removing HKCU\\%s: %w", path, err)
	}
	return nil
}

var shChangeNotify = windows.NewLazySystemDLL("shell32.dll").NewProc("SHChangeNotify")

// assocChanged tells Explorer that file types changed, so that invitation
// files show their new icon without a restart. It has nothing to report:
// the registration is made either way.
func assocChanged() {
	const shcneAssocChanged, shcnfIDList = 0x08000000, 0
	if shChangeNotify.Find() == nil {
		shChangeNotify.Call(shcneAssocChanged, shcnfIDList, 0, 0)
	}
}
