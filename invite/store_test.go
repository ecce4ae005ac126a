package invite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStore(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "config", "ra-p2p", "invitations")}
	if entries, err := s.List(); err != nil || len(entries) != 0 {
		t.Fatalf("List of a missing directory = %v, %v", entries, err)
	}

	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	// Saved newest first, so List must sort.
	for i, o := range []Options{
		{Name: "third", Now: base.Add(2 * time.Hour)},
		{Name: "second", Now: base.Add(time.Hour), Password: "pw"},
		{Name: "first", Now: base, NoControl: true},
	} {
		inv, priv, pwKey, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(inv, priv, pwKey); err != nil {
			t.Fatal(err)
		}
		e, err := s.Load(inv.ID())
		if err != nil {
			t.Fatal(err)
		}
		assertSameInvitation(t, e.Invitation, inv)
		if !e.Key.Equals(priv) || !bytes.Equal(e.PasswordKey, pwKey) || e.Revoked || e.Locked {
			t.Errorf("entry %d: key, password key or marks differ", i)
		}
		ids = append(ids, inv.ID())
	}

	fi, err := os.Stat(s.Dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("store directory mode %v, %v", fi.Mode(), err)
	}
	files, err := os.ReadDir(s.Dir)
	if err != nil || len(files) != 3 {
		t.Fatalf("%d files in the store (%v), want 3", len(files), err)
	}
	for _, f := range files {
		fi, err := f.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, %v", f.Name(), fi.Mode(), err)
		}
	}

	entries, err := s.List()
	if err != nil || len(entries) != 3 {
		t.Fatalf("List = %d entries, %v", len(entries), err)
	}
	for i, want := range []string{"first", "second", "third"} {
		if entries[i].Invitation.Name != want {
			t.Errorf("List[%d] is %q, want %q", i, entries[i].Invitation.Name, want)
		}
	}

	if err := s.Revoke(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(ids[1]); err != nil {
		t.Fatal(err)
	}
	e0, err := s.Load(ids[0])
	if err != nil || !e0.Revoked || e0.Locked {
		t.Fatalf("after Revoke: %+v, %v", e0, err)
	}
	e1, err := s.Load(ids[1])
	if err != nil || e1.Revoked || !e1.Locked {
		t.Fatalf("after Lock: %+v, %v", e1, err)
	}
	// Saving again never lifts a revocation.
	if err := s.Save(e0.Invitation, e0.Key, e0.PasswordKey); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Load(ids[0]); err != nil || !e.Revoked {
		t.Fatalf("revocation lost on Save: %v", err)
	}
	if files, _ := os.ReadDir(s.Dir); len(files) != 3 {
		t.Errorf("%d files after updates, want 3 (temporary files left?)", len(files))
	}

	for _, id := range []string{"aaaaaaaaaa", "../../etc/passwd", "", ids[0] + "x"} {
		if _, err := s.Load(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Load(%q) = %v, want ErrNotFound", id, err)
		}
		if err := s.Revoke(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Revoke(%q) = %v, want ErrNotFound", id, err)
		}
	}

	// A broken record is reported but does not hide the others.
	if err := os.WriteFile(filepath.Join(s.Dir, "bbbbbbbbbb.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	entries, err = s.List()
	if err == nil || len(entries) != 3 {
		t.Errorf("List with a broken record = %d entries, %v", len(entries), err)
	}
}

func TestStoreMakesDirectoryPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	inv, priv, _, err := New(Options{Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	s := Store{Dir: dir}
	if err := s.Save(inv, priv, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v", fi.Mode(), err)
	}
	if err := s.Save(inv, priv, make([]byte, 32)); err == nil {
		t.Error("Save accepted a password key for an invitation without password")
	}
	if err := (Store{}).Save(inv, priv, nil); err == nil {
		t.Error("Save with no directory succeeded")
	}
}

func TestDefaultStoreDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/cfg")
	t.Setenv("HOME", "/tmp/home")
	dir, err := DefaultStoreDir()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.UserConfigDir()
	if dir != filepath.Join(want, "ra-p2p", "invitations") {
		t.Errorf("DefaultStoreDir = %q", dir)
	}
}

// TestStoreCountsWrongPasswords checks the count is kept per invitation on
// disk (a new Store value, as after a restart, sees it), survives Save, and
// locks at MaxWrongPasswords.
func TestStoreCountsWrongPasswords(t *testing.T) {
	dir := t.TempDir()
	inv, priv, pwKey, err := New(Options{Name: "Alice", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := (Store{Dir: dir}).Save(inv, priv, pwKey); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= MaxWrongPasswords; i++ {
		n, err := Store{Dir: dir}.WrongPassword(inv.ID())
		if err != nil || n != i {
			t.Fatalf("wrong password %d: count %d, %v", i, n, err)
		}
		e, err := Store{Dir: dir}.Load(inv.ID())
		if err != nil {
			t.Fatal(err)
		}
		if e.WrongPasswords != i || e.Locked != (i == MaxWrongPasswords) {
			t.Errorf("after %d wrong passwords: count %d, locked %v", i, e.WrongPasswords, e.Locked)
		}
		if i == 1 {
			if err := (Store{Dir: dir}).Save(inv, priv, pwKey); err != nil {
				t.Fatal(err)
			}
			if e, _ := (Store{Dir: dir}).Load(inv.ID()); e.WrongPasswords != 1 {
				t.Errorf("Save reset the count to %d", e.WrongPasswords)
			}
		}
	}
	if _, err := (Store{Dir: dir}).WrongPassword("aaaaaaaaaa"); !errors.Is(err, ErrNotFound) {
		t.Errorf("WrongPassword of an unknown invitation = %v, want ErrNotFound", err)
	}
}

// TestStoreSkipsADamagedRecord: one emptied or cut record neither hides the
// others from List (it is named instead) nor resists --revoke (it is
// removed: a record whose key cannot be read can start no session).
func TestStoreSkipsADamagedRecord(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	var ids []string
	for _, name := range []string{"good", "cut", "empty"} {
		inv, priv, pwKey, err := New(Options{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(inv, priv, pwKey); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID())
	}
	cut := filepath.Join(s.Dir, ids[1]+storeExt)
	b, err := os.ReadFile(cut)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cut, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, ids[2]+storeExt), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, err := s.List()
	if len(entries) != 1 || entries[0].Invitation.ID() != ids[0] {
		t.Errorf("List returned %d entries, want only the good one", len(entries))
	}
	if !errors.Is(err, ErrDamagedRecord) || !strings.Contains(err.Error(), ids[1]) || !strings.Contains(err.Error(), ids[2]) {
		t.Errorf("List error %v does not name both damaged records", err)
	}
	for _, id := range ids[1:] {
		if err := s.Revoke(id); err != nil {
			t.Errorf("Revoke of a damaged record: %v", err)
		}
	}
	if entries, err := s.List(); err != nil || len(entries) != 1 {
		t.Errorf("after revoking the damaged records List = %d entries, %v", len(entries), err)
	}
	if err := s.Revoke(ids[0]); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Load(ids[0]); err != nil || !e.Revoked {
		t.Errorf("a good record is marked, not removed, by Revoke: %v, %v", e, err)
	}
}

// FuzzStoreRecord: whatever a record file holds (cut, edited, hostile),
// Load and List never panic; a record Load accepts is a valid invitation
// with its own key, and one it refuses is named as damaged (or missing).
func FuzzStoreRecord(f *testing.F) {
	dir := f.TempDir()
	s := Store{Dir: dir}
	// The golden invitation, without a password: every fuzzing process
	// must make the same one (the seeds name it).
	inv, priv := goldenInvitation(f, goodCreated)
	inv.Password = nil
	if err := s.Save(inv, priv, nil); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, inv.ID()+storeExt))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte(`{"version":1,"invitation":"AA==","key":"AA=="}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		dir := t.TempDir()
		s := Store{Dir: dir}
		if err := os.WriteFile(filepath.Join(dir, inv.ID()+storeExt), record, 0o600); err != nil {
			t.Fatal(err)
		}
		e, err := s.Load(inv.ID())
		switch {
		case err == nil:
			if verr := e.Invitation.validate(); verr != nil {
				t.Fatalf("Load accepted an invalid invitation: %v", verr)
			}
			if !e.Invitation.PeerID.MatchesPrivateKey(e.Key) {
				t.Fatal("Load accepted a key that is not the invitation's")
			}
		case !errors.Is(err, ErrDamagedRecord) && !errors.Is(err, ErrNotFound):
			t.Fatalf("Load error %v is neither damaged nor missing", err)
		}
		if entries, err := s.List(); len(entries) > 1 || (err != nil && !errors.Is(err, ErrDamagedRecord)) {
			t.Fatalf("List = %d entries, %v", len(entries), err)
		}
	})
}
