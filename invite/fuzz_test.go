package invite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.rainvite")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if line, err := OneLine(b); err == nil {
			f.Add([]byte(line))
		}
	}
	f.Add([]byte("rainvite1:AQ.aaaaaaaa"))
	f.Add([]byte(beginLine + "\nChecksum: aaaaaaaa\n" + endLine))

	f.Fuzz(func(t *testing.T, text []byte) {
		inv, err := Parse(text, testNow)
		switch {
		case err == nil, errors.Is(err, ErrExpired), errors.Is(err, ErrFromTheFuture):
			if inv == nil {
				t.Fatalf("no invitation with %v", err)
			}
			if verr := inv.validate(); verr != nil {
				t.Fatalf("Parse accepted an invalid invitation: %v", verr)
			}
			// The one-line form of what parsed says the same.
			line, lerr := OneLine(text)
			if lerr != nil {
				t.Fatalf("OneLine of a parsed invitation: %v", lerr)
			}
			inv2, err2 := Parse([]byte(line), testNow)
			if (err == nil) != (err2 == nil) || inv2 == nil || inv2.ID() != inv.ID() || inv2.Name != inv.Name {
				t.Fatalf("one-line form parses differently: %v vs %v", err, err2)
			}
		case errors.Is(err, ErrDamaged), errors.Is(err, ErrTampered), errors.Is(err, ErrUnsupportedVersion):
			if inv != nil {
				t.Fatalf("invitation returned with %v", err)
			}
		default:
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}

// FuzzBody reaches past the signature: it signs whatever body it is given
// with the golden key, so the JSON, multiaddr and limit checks get fuzzed.
func FuzzBody(f *testing.F) {
	inv, priv := goldenInvitation(f, goodCreated)
	payload, err := encodePayload(inv, priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload[1 : len(payload)-sigLen])
	f.Add([]byte(`{"addrs":["/ip4/1.2.3.4/tcp/1/p2p-circuit"],"boot":["/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"]}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		payload, err := signPayload(FormatVersion, body, priv)
		if err != nil {
			return // too large
		}
		got, err := decodePayload(payload)
		switch {
		case err == nil:
			if verr := got.validate(); verr != nil {
				t.Fatalf("accepted an invalid invitation: %v", verr)
			}
			if _, err := Encode(got, priv); err != nil && got.PublicKey.Equals(priv.GetPublic()) {
				t.Fatalf("cannot re-encode what parsed: %v", err)
			}
		case errors.Is(err, ErrDamaged), errors.Is(err, ErrTampered):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
