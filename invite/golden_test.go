package invite

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is the "now" of the table tests: after expired.rainvite, and
// within good.rainvite's two hours (Parse refuses an invitation made after
// now, see MaxClockSkew).
var testNow = time.Date(2099, 1, 1, 11, 0, 0, 0, time.UTC)

const goldenPassword = "correct horse battery staple"

// goldenKey is a fixed key so that the golden files can be regenerated
// byte for byte.
func goldenKey(t testing.TB) crypto.PrivKey {
	t.Helper()
	seed := sha256.Sum256([]byte("ra-p2p invite golden key"))
	priv, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// goldenInvitation uses every field, with the given creation time.
func goldenInvitation(t testing.TB, created time.Time) (*Invitation, crypto.PrivKey) {
	t.Helper()
	priv := goldenKey(t)
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	salt := sha256.Sum256([]byte("ra-p2p invite golden salt"))
	inv := &Invitation{
		Version:   FormatVersion,
		PeerID:    id,
		PublicKey: priv.GetPublic(),
		Secret:    sha256.Sum256([]byte("ra-p2p invite golden secret")),
		Name:      "Alice Example",
		Message:   "My printer stopped working after the update.\nCould you have a look? <3 & thanks",
		Created:   created,
		Expires:   created.Add(2 * time.Hour),
		Password:  &PasswordParams{Salt: salt[:16], Time: 2, Memory: 64 * 1024, Threads: 2},
		Addrs:     []string{"/ip4/192.0.2.10/udp/4001/quic-v1", "/ip6/2001:db8::1/tcp/4001"},
		Bootstrap: []string{"/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"},
	}
	return inv, priv
}

var goodCreated = time.Date(2099, 1, 1, 10, 0, 0, 0, time.UTC)

// signedBody returns an armored invitation whose body is the golden one
// changed by mutate and then properly signed with priv under version.
func signedBody(t testing.TB, version byte, priv crypto.PrivKey, mutate func(*wireInvitation)) []byte {
	t.Helper()
	inv, gpriv := goldenInvitation(t, goodCreated)
	payload, err := encodePayload(inv, gpriv)
	if err != nil {
		t.Fatal(err)
	}
	var w wireInvitation
	if err := json.Unmarshal(payload[1:len(payload)-sigLen], &w); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(&w)
	}
	body, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if priv == nil {
		priv = gpriv
	}
	payload, err = signPayload(version, body, priv)
	if err != nil {
		t.Fatal(err)
	}
	return armor(payload, inv)
}

// goldenFiles builds every file in testdata from the fixed key.
func goldenFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}

	inv, priv := goldenInvitation(t, goodCreated)
	good, err := Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	files["good.rainvite"] = good

	// One base64 character changed, in the middle of the block.
	lines := strings.Split(string(good), "\n")
	first := -1
	for i, l := range lines {
		if l == "" && first < 0 {
			first = i + 1
		}
	}
	l := []byte(lines[first+2])
	if l[10] == 'A' {
		l[10] = 'B'
	} else {
		l[10] = 'A'
	}
	lines[first+2] = string(l)
	files["damaged.rainvite"] = []byte(strings.Join(lines, "\n"))

	// Cut in the middle of the base64 block, as by a broken copy.
	files["truncated.rainvite"] = []byte(strings.Join(lines[:first+3], "\n") + "\n" + lines[first+3][:20])

	// Name changed inside the payload, checksum recomputed, signature kept.
	payload, err := encodePayload(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(payload, []byte(`"name":"Alice Example"`), []byte(`"name":"Your Bank Support"`), 1)
	if bytes.Equal(forged, payload) {
		t.Fatal("name not found in payload")
	}
	shown := *inv
	shown.Name = "Your Bank Support"
	files["tampered.rainvite"] = armor(forged, &shown)

	expInv, expPriv := goldenInvitation(t, time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC))
	expired, err := Encode(expInv, expPriv)
	if err != nil {
		t.Fatal(err)
	}
	files["expired.rainvite"] = expired

	files["future-version.rainvite"] = signedBody(t, 2, nil, nil)

	var mail bytes.Buffer
	mail.WriteString("From: Bob Helper <bob@example.org>\r\nTo: Alice Example <alice@example.com>\r\n" +
		"Subject: Re: Help with my printer\r\n\r\nHi Alice,\r\n\r\nI'll have a look tonight.\r\n\r\n" +
		"Bob\r\n\r\nOn Thu, 1 Jan 2099 at 10:00, Alice Example wrote:\r\n> Hi Bob,\r\n>\r\n" +
		"> please open the invitation below with ra-p2p.\r\n>\r\n")
	for l := range strings.Lines(string(good)) {
		l = strings.TrimSuffix(l, "\n")
		if l == "" {
			mail.WriteString(">\r\n")
		} else {
			mail.WriteString(">   " + l + "  \r\n")
		}
	}
	mail.WriteString(">\r\n> Alice\r\n")
	files["quoted-mail.rainvite"] = mail.Bytes()
	return files
}

// TestGoldenFiles checks that testdata matches what this code writes, so the
// format cannot change by accident. Run with -update to rewrite it.
func TestGoldenFiles(t *testing.T) {
	for name, want := range goldenFiles(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what Encode writes now; if the format change is meant, run go test -update", path)
		}
	}
}

func TestParseGolden(t *testing.T) {
	good, _ := goldenInvitation(t, goodCreated)
	tests := map[string]struct {
		file string
		want error // nil = parses
	}{
		"a good invitation parses":                         {"good.rainvite", nil},
		"a quoted mail with CRLF and indentation parses":   {"quoted-mail.rainvite", nil},
		"one changed base64 character is damage":           {"damaged.rainvite", ErrDamaged},
		"a truncated file is damage":                       {"truncated.rainvite", ErrDamaged},
		"a changed name with a new checksum is tampering":  {"tampered.rainvite", ErrTampered},
		"an invitation from 2020 has expired":              {"expired.rainvite", ErrExpired},
		"a version 2 payload needs a newer ra-p2p version": {"future-version.rainvite", ErrUnsupportedVersion},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := Parse(text, testNow)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Parse(%s) = %v, want %v", tt.file, err, tt.want)
			}
			switch tt.want {
			case nil:
				assertSameInvitation(t, inv, good)
			case ErrExpired:
				if inv == nil || inv.Name != good.Name {
					t.Fatalf("expired invitation not returned: %+v", inv)
				}
			default:
				if inv != nil {
					t.Fatalf("invitation returned with %v", err)
				}
			}
			// The one-line form says the same.
			if line, err := OneLine(text); err == nil {
				if _, err2 := Parse([]byte(line), testNow); !errors.Is(err2, tt.want) || (tt.want == nil) != (err2 == nil) {
					t.Fatalf("Parse(OneLine(%s)) = %v, want %v", tt.file, err2, tt.want)
				}
			} else if !errors.Is(err, ErrDamaged) {
				t.Fatalf("OneLine(%s) = %v", tt.file, err)
			}
		})
	}
}

// TestGoodStaysValid: the golden file parses and opens with its password.
// It is made in 2099 with the usual two hours, so it is checked at testNow:
// since Parse refuses invitations made after now (a wrong clock), no file
// can be valid forever.
func TestGoodStaysValid(t *testing.T) {
	text, err := os.ReadFile("testdata/good.rainvite")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Parse(text, testNow)
	if err != nil {
		t.Fatal(err)
	}
	key, err := inv.PasswordKey(goldenPassword)
	if err != nil || len(key) != 32 {
		t.Fatalf("PasswordKey = %x, %v", key, err)
	}
}

func assertSameInvitation(t *testing.T, got, want *Invitation) {
	t.Helper()
	if got == nil {
		t.Fatal("no invitation")
	}
	if !got.PublicKey.Equals(want.PublicKey) {
		t.Error("public key differs")
	}
	g, w := *got, *want
	g.PublicKey, w.PublicKey = nil, nil
	if !g.Created.Equal(w.Created) || !g.Expires.Equal(w.Expires) || g.Created.Location() != time.UTC {
		t.Errorf("times: got %v..%v, want %v..%v", g.Created, g.Expires, w.Created, w.Expires)
	}
	g.Created, w.Created, g.Expires, w.Expires = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if !bytes.Equal(gj, wj) {
		t.Errorf("invitation differs:\n got %s\nwant %s", gj, wj)
	}
}
