package invite

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// Store keeps the novice's per-invitation records, one file per invitation
// named "<ID>.json" in Dir (mode 0700, files 0600). The private keys and
// password verifiers in it never leave the novice's machine.
type Store struct {
	Dir string // e.g. DefaultStoreDir(); "" is an error
}

// Entry is one stored invitation.
type Entry struct {
	Invitation  *Invitation
	Key         crypto.PrivKey
	PasswordKey []byte // nil if the invitation has no password
	Revoked     bool
	Locked      bool // too many wrong passwords
	// WrongPasswords counts wrong passwords from helpers that proved the
	// secret, over every connection and restart; MaxWrongPasswords locks.
	WrongPasswords int
}

// MaxWrongPasswords is how many wrong passwords lock an invitation, counted
// per invitation (Store.WrongPassword), not per connection.
const MaxWrongPasswords = 3

// storeFile is the on-disk form of an Entry.
type storeFile struct {
	Version     int    `json:"version"`
	Payload     []byte `json:"invitation"` // the signed payload, as in the armored text
	Key         []byte `json:"key"`        // crypto.MarshalPrivateKey
	PasswordKey []byte `json:"password_key,omitempty"`
	Revoked     bool   `json:"revoked,omitempty"`
	Locked      bool   `json:"locked,omitempty"`
	// WrongPasswords: since 2026-12-04; absent in older records (0).
	WrongPasswords int `json:"wrong_passwords,omitempty"`
}

const (
	storeVersion  = 1
	storeExt      = ".json"
	maxRecordSize = 1 << 20
)

// DefaultStoreDir is os.UserConfigDir()/ra-p2p/invitations.
func DefaultStoreDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w", err)
	}
	return filepath.Join(dir, "ra-p2p", "invitations"), nil
}

// Save writes the record for inv atomically (temporary file, then rename),
// mode 0600. Saving an invitation that is already stored keeps its revoked
// and locked marks and its count of wrong passwords.
func (s Store) Save(inv *Invitation, priv crypto.PrivKey, pwKey []byte) error {
	if inv == nil {
		return errors.New("saving invitation: no invitation")
	}
	payload, err := encodePayload(inv, priv)
	if err != nil {
		return fmt.Errorf("saving invitation %s: %w", inv.ID(), err)
	}
	if (inv.Password != nil) != (len(pwKey) == passwordKeyLen) {
		return fmt.Errorf("saving invitation %s: the password key does not fit the invitation", inv.ID())
	}
	key, err := crypto.MarshalPrivateKey(priv)
	if err != nil {
		return fmt.Errorf("saving invitation %s: encoding key: %w", inv.ID(), err)
	}
	rec := &storeFile{Version: storeVersion, Payload: payload, Key: key, PasswordKey: pwKey}
	if old, err := s.readFile(inv.ID()); err == nil {
		rec.Revoked, rec.Locked, rec.WrongPasswords = old.Revoked, old.Locked, old.WrongPasswords
	}
	if err := s.writeFile(inv.ID(), rec); err != nil {
		return fmt.Errorf("saving invitation %s: %w", inv.ID(), err)
	}
	return nil
}

// Load reads one record. It returns an error wrapping ErrNotFound when there
// is no record with that ID. Expired invitations load like any other.
func (s Store) Load(id string) (*Entry, error) {
	rec, err := s.readFile(id)
	if err != nil {
		return nil, fmt.Errorf("loading invitation %s: %w", id, err)
	}
	e, err := rec.entry()
	if err != nil {
		return nil, fmt.Errorf("loading invitation %s: %w: %w", id, ErrDamagedRecord, err)
	}
	if e.Invitation.ID() != id {
		return nil, fmt.Errorf("loading invitation %s: %w: the record holds invitation %s", id, ErrDamagedRecord, e.Invitation.ID())
	}
	return e, nil
}

// List returns every readable record, oldest first. If some records cannot
// be read, it returns the others along with an error naming them.
func (s Store) List() ([]*Entry, error) {
	if s.Dir == "" {
		return nil, errors.New("listing invitations: no store directory")
	}
	names, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing invitations: %w", err)
	}
	var entries []*Entry
	var errs []error
	for _, de := range names {
		id, ok := strings.CutSuffix(de.Name(), storeExt)
		if !ok || !de.Type().IsRegular() || !validID(id) {
			continue
		}
		e, err := s.Load(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].Invitation, entries[j].Invitation
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID() < b.ID()
	})
	return entries, errors.Join(errs...)
}

// Revoke marks a record revoked. The record stays, so a helper who comes
// later is told "revoked", not "not found".
// A damaged record cannot start a session (its key is unreadable), so
// revoking it removes it.
func (s Store) Revoke(id string) error {
	err := s.update(id, func(r *storeFile) { r.Revoked = true })
	if errors.Is(err, ErrDamagedRecord) {
		p, perr := s.path(id)
		if perr == nil {
			err = os.Remove(p)
		}
	}
	if err != nil {
		return fmt.Errorf("revoking invitation %s: %w", id, err)
	}
	return nil
}

// Lock marks a record locked after too many wrong passwords.
func (s Store) Lock(id string) error {
	if err := s.update(id, func(r *storeFile) { r.Locked = true }); err != nil {
		return fmt.Errorf("locking invitation %s: %w", id, err)
	}
	return nil
}

// WrongPassword counts one more wrong password for the invitation and locks
// it at MaxWrongPasswords. It returns the count so far; the count survives
// connections and restarts, so reconnecting gives no new tries. (The novice
// lets one helper that proved the secret try at a time, so its updates do
// not race; see update.)
func (s Store) WrongPassword(id string) (int, error) {
	count := 0
	err := s.update(id, func(r *storeFile) {
		r.WrongPasswords++
		count = r.WrongPasswords
		if count >= MaxWrongPasswords {
			r.Locked = true
		}
	})
	if err != nil {
		return 0, fmt.Errorf("counting a wrong password for invitation %s: %w", id, err)
	}
	return count, nil
}

// update is a read-modify-write of one record. Two processes updating the
// same record at once may lose one change; the marks only ever go from false
// to true, so running the command again fixes it.
func (s Store) update(id string, change func(*storeFile)) error {
	rec, err := s.readFile(id)
	if err != nil {
		return err
	}
	if _, err := rec.entry(); err != nil {
		return fmt.Errorf("%w: %w", ErrDamagedRecord, err)
	}
	change(rec)
	return s.writeFile(id, rec)
}

func (rec *storeFile) entry() (*Entry, error) {
	if rec.Version != storeVersion {
		return nil, fmt.Errorf("record format %d is not %d", rec.Version, storeVersion)
	}
	inv, err := decodePayload(rec.Payload)
	if err != nil {
		return nil, err
	}
	key, err := crypto.UnmarshalPrivateKey(rec.Key)
	if err != nil {
		return nil, errors.New("the stored key cannot be read")
	}
	if !key.GetPublic().Equals(inv.PublicKey) {
		return nil, errors.New("the stored key does not belong to the invitation")
	}
	if (inv.Password != nil) != (len(rec.PasswordKey) == passwordKeyLen) {
		return nil, errors.New("the stored password key does not fit the invitation")
	}
	return &Entry{Invitation: inv, Key: key, PasswordKey: rec.PasswordKey, Revoked: rec.Revoked, Locked: rec.Locked,
		WrongPasswords: rec.WrongPasswords}, nil
}

func (s Store) path(id string) (string, error) {
	if s.Dir == "" {
		return "", errors.New("no store directory")
	}
	if !validID(id) {
		return "", ErrNotFound
	}
	return filepath.Join(s.Dir, id+storeExt), nil
}

func (s Store) readFile(id string) (*storeFile, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecordSize {
		return nil, fmt.Errorf("%w: it is too large", ErrDamagedRecord)
	}
	var rec storeFile
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%w: it is not valid JSON (truncated or empty?)", ErrDamagedRecord)
	}
	return &rec, nil
}

func (s Store) writeFile(id string, rec *storeFile) (err error) {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	if err := ensurePrivateDir(s.Dir); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "\t")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, ".tmp-"+id+"-*") // created 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	if d, err := os.Open(s.Dir); err == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

// ensurePrivateDir creates dir (and parents) with mode 0700 and makes sure
// dir itself is not open to group or others.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("making %s private: %w", dir, err)
		}
	}
	return nil
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
