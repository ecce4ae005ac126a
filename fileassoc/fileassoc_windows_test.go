//go:build windows

package fileassoc

import (
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// underWine says whether the test runs under Wine (whose ntdll exports
// wine_get_version), where HKEY_CURRENT_USER is the test prefix's own.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestRegisterCheckUnregister registers, checks and removes the
// association in the real registry. It changes the account's file types,
// so outside Wine (test/wine runs it in a throwaway prefix) it does not run.
func TestRegisterCheckUnregister(t *testing.T) {
	if !underWine() {
		t.Skip("changes this Windows account's file types; it runs under Wine, in test/wine's throwaway prefix")
	}
	exe := `C:\Users\alice\Downloads\ra-p2p.exe`
	mustState := func(exe string, want State) {
		t.Helper()
		got, err := Check(exe)
		if err != nil || got != want {
			t.Fatalf("Check(%s) = %v, %v; want %v", exe, got, err, want)
		}
	}
	if err := Unregister(); err != nil {
		t.Fatal(err)
	}
	mustState(exe, Unregistered)
	if err := Register(exe); err != nil {
		t.Fatal(err)
	}
	mustState(exe, Registered)
	mustState(`c:\users\ALICE\downloads\RA-P2P.EXE`, Registered)
	mustState(`C:\Tools\ra-p2p.exe`, Moved)
	for key, want := range map[string]string{
		classes + Extension:                     Class,
		classes + Class + `\shell\open\command`: `"` + exe + `" help "%1"`,
		classes + Class + `\DefaultIcon`:        `"` + exe + `",0`,
	} {
		if got, err := defaultValue(key); err != nil || got != want {
			t.Errorf("HKCU\\%s = %q, %v; want %q", key, got, err, want)
		}
	}

	// Explorer's own subkey under the extension goes with it.
	k, _, err := registry.CreateKey(registry.CURRENT_USER, classes+Extension+`\OpenWithProgids`, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	if err := Unregister(); err != nil {
		t.Fatal(err)
	}
	mustState(exe, Unregistered)
	for _, key := range []string{classes + Extension, classes + Class} {
		if k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.QUERY_VALUE); err == nil {
			k.Close()
			t.Errorf("HKCU\\%s is still there after Unregister", key)
		}
	}
	if err := Unregister(); err != nil {
		t.Fatalf("Unregister with nothing registered: %v", err)
	}
}

// TestAnotherProgramKeepsTheExtension: when the user gave .rainvite to
// another program, Check says so and Unregister leaves it alone.
func TestAnotherProgramKeepsTheExtension(t *testing.T) {
	if !underWine() {
		t.Skip("changes this Windows account's file types; it runs under Wine, in test/wine's throwaway prefix")
	}
	exe := `C:\ra-p2p.exe`
	if err := Register(exe); err != nil {
		t.Fatal(err)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, classes+Extension, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer registry.DeleteKey(registry.CURRENT_USER, classes+Extension)
	if err := k.SetStringValue("", "Other.Viewer"); err != nil {
		t.Fatal(err)
	}
	k.Close()
	if got, err := Check(exe); err != nil || got != Taken {
		t.Fatalf("Check = %v, %v; want %v", got, err, Taken)
	}
	if err := Unregister(); err != nil {
		t.Fatal(err)
	}
	if got, err := defaultValue(classes + Extension); err != nil || got != "Other.Viewer" {
		t.Fatalf("after Unregister the extension says %q, %v; want the other program's Other.Viewer", got, err)
	}
}
