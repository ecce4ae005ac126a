package invite

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 30, 15, 999, time.Local)
	opts := Options{
		Name:      "  Grand-mère Ève  ",
		Message:   "Bonjour,\r\nthe screen is all blue again.",
		Password:  "hunter2",
		TTL:       90 * time.Minute,
		NoControl: true,
		Addrs:     []string{"/ip4/198.51.100.7/udp/4001/quic-v1"},
		Bootstrap: []string{"/ip4/203.0.113.5/tcp/4001/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"},
		Now:       now,
	}
	inv, priv, pwKey, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Name != "Grand-mère Ève" || inv.Message != "Bonjour,\nthe screen is all blue again." {
		t.Errorf("name %q, message %q not cleaned", inv.Name, inv.Message)
	}
	if !inv.Created.Equal(now.Truncate(time.Second)) || inv.Created.Location() != time.UTC ||
		inv.Expires.Sub(inv.Created) != 90*time.Minute {
		t.Errorf("created %v, expires %v", inv.Created, inv.Expires)
	}
	if !inv.PeerID.MatchesPrivateKey(priv) || len(pwKey) != 32 {
		t.Fatalf("peer ID does not match key, or password key is %d bytes", len(pwKey))
	}

	text, err := Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(text, []byte("\n")) {
		t.Error("armored text does not end in a newline")
	}
	parsed, err := Parse(text, now)
	if err != nil {
		t.Fatal(err)
	}
	assertSameInvitation(t, parsed, inv)

	line, err := OneLine(text)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "rainvite1:") || strings.ContainsAny(line, " \t\r\n") {
		t.Errorf("one-line form %q", line)
	}
	parsed, err = Parse([]byte("\n  "+line+"  \n"), now)
	if err != nil {
		t.Fatal(err)
	}
	assertSameInvitation(t, parsed, inv)

	// The parsed invitation encodes to the same bytes.
	again, err := Encode(parsed, priv)
	if err != nil || !bytes.Equal(again, text) {
		t.Errorf("re-encoding differs (%v)", err)
	}
	// The helper derives the same password key as the novice.
	k, err := parsed.PasswordKey("hunter2")
	if err != nil || !bytes.Equal(k, pwKey) {
		t.Errorf("helper's password key differs (%v)", err)
	}
}

func TestNewDefaultsAndLimits(t *testing.T) {
	inv, _, pwKey, err := New(Options{Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Expires.Sub(inv.Created) != DefaultTTL || inv.Password != nil || pwKey != nil {
		t.Errorf("defaults: ttl %v, password %v, key %x", inv.Expires.Sub(inv.Created), inv.Password, pwKey)
	}
	if k, err := inv.PasswordKey("anything"); k != nil || err != nil {
		t.Errorf("PasswordKey without password = %x, %v", k, err)
	}

	bad := map[string]Options{
		"empty name":                   {Name: "   "},
		"name of 65 characters":        {Name: strings.Repeat("é", 65)},
		"name with a newline":          {Name: "Bob\nSmith"},
		"name with a bidi override":    {Name: "Bob\u202Egnp.exe"},
		"message of 501 characters":    {Name: "Bob", Message: strings.Repeat("x", 501)},
		"message with an escape":       {Name: "Bob", Message: "hi \x1b[2J"},
		"lifetime of 30 seconds":       {Name: "Bob", TTL: 30 * time.Second},
		"lifetime of 31 days":          {Name: "Bob", TTL: 31 * 24 * time.Hour},
		"address that is no multiaddr": {Name: "Bob", Addrs: []string{"192.0.2.1:4001"}},
		"bootstrap without peer ID":    {Name: "Bob", Bootstrap: []string{"/ip4/192.0.2.1/tcp/4001"}},
	}
	for name, opts := range bad {
		t.Run(name, func(t *testing.T) {
			if _, _, _, err := New(opts); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
	if _, _, _, err := New(Options{Name: strings.Repeat("é", 64), Message: strings.Repeat("ü\n", 250)}); err != nil {
		t.Errorf("limits themselves refused: %v", err)
	}
}

func TestEncodeRefusesWrongKey(t *testing.T) {
	inv, _, _, err := New(Options{Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	_, other, _, err := New(Options{Name: "Eve"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Encode(inv, other); err == nil {
		t.Error("Encode signed with another invitation's key")
	}
	if _, err := Encode(inv, nil); err == nil {
		t.Error("Encode accepted a nil key")
	}
}

func TestIDAndDiscoveryKey(t *testing.T) {
	inv := &Invitation{Secret: sha256.Sum256([]byte("x"))}
	id := inv.ID()
	if len(id) != 10 || !validID(id) || id != inv.ID() {
		t.Errorf("ID %q", id)
	}
	dk := inv.DiscoveryKey()
	want := sha256.Sum256(append([]byte("ra-p2p/discovery/v1"), inv.Secret[:]...))
	if !bytes.Equal(dk, want[:]) {
		t.Errorf("DiscoveryKey %x", dk)
	}
	other := &Invitation{Secret: sha256.Sum256([]byte("y"))}
	if other.ID() == id || bytes.Equal(other.DiscoveryKey(), dk) {
		t.Error("different secrets give the same ID or discovery key")
	}
}

// Signed payloads whose fields break the limits are damaged, not tampered:
// the signature is fine, the content is not acceptable.
func TestParseRejectsBadFields(t *testing.T) {
	tests := map[string]func(*wireInvitation){
		"argon2 memory above 1 GiB":  func(w *wireInvitation) { w.Password.Memory = 1024*1024 + 1 },
		"argon2 memory of 4 TiB":     func(w *wireInvitation) { w.Password.Memory = 1<<32 - 1 },
		"argon2 time of 21":          func(w *wireInvitation) { w.Password.Time = 21 },
		"argon2 time of 0":           func(w *wireInvitation) { w.Password.Time = 0 },
		"argon2 with 0 threads":      func(w *wireInvitation) { w.Password.Threads = 0 },
		"argon2 with 17 threads":     func(w *wireInvitation) { w.Password.Threads = 17 },
		"argon2 memory below 8/lane": func(w *wireInvitation) { w.Password.Memory = 15 },
		"a short salt":               func(w *wireInvitation) { w.Password.Salt = w.Password.Salt[:8] },
		"a short secret":             func(w *wireInvitation) { w.Secret = w.Secret[:31] },
		"an empty name":              func(w *wireInvitation) { w.Name = "" },
		"a name with a control char": func(w *wireInvitation) { w.Name = "Al\x07ice" },
		"a long name":                func(w *wireInvitation) { w.Name = strings.Repeat("a", 65) },
		"a long message":             func(w *wireInvitation) { w.Message = strings.Repeat("a", 501) },
		"expiry before creation":     func(w *wireInvitation) { w.Expires = w.Created - 3600 },
		"a lifetime of 31 days":      func(w *wireInvitation) { w.Expires = w.Created + 31*86400 },
		"a negative creation time":   func(w *wireInvitation) { w.Created, w.Expires = -7200, -3600 },
		"a year beyond 9999":         func(w *wireInvitation) { w.Created, w.Expires = 1<<40, 1<<40+3600 },
		"a bad address hint":         func(w *wireInvitation) { w.Addrs = []string{"/ip4/999.1.1.1/tcp/1"} },
		"17 address hints":           func(w *wireInvitation) { w.Addrs = make([]string, 17) },
		"a bootstrap without an ID":  func(w *wireInvitation) { w.Bootstrap = []string{"/ip4/192.0.2.1/tcp/1"} },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			text := signedBody(t, FormatVersion, nil, mutate)
			start := time.Now()
			inv, err := Parse(text, testNow)
			if !errors.Is(err, ErrDamaged) || inv != nil {
				t.Fatalf("Parse = %v, %v; want ErrDamaged", inv, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Parse took %v", d)
			}
		})
	}
	// PasswordKey on a hand-made invitation checks the bounds too, without
	// running argon2.
	inv, _ := goldenInvitation(t, goodCreated)
	inv.Password.Memory = 1 << 31
	if _, err := inv.PasswordKey("pw"); err == nil {
		t.Error("PasswordKey ran with 2 TiB of memory")
	}
	if _, err := inv.PasswordKey(""); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("PasswordKey(\"\") = %v", err)
	}
}

func TestParseTampering(t *testing.T) {
	mallory, _, _, err := New(Options{Name: "Mallory"})
	if err != nil {
		t.Fatal(err)
	}
	_, malloryKey, _, err := New(Options{Name: "Mallory"})
	if err != nil {
		t.Fatal(err)
	}
	malloryRaw, _ := malloryKey.GetPublic().Raw()
	tests := map[string][]byte{
		"signed by another key": signedBody(t, FormatVersion, malloryKey, nil),
		"key swapped and re-signed, peer ID kept": signedBody(t, FormatVersion, malloryKey,
			func(w *wireInvitation) { w.Key = malloryRaw }),
		"peer ID swapped": signedBody(t, FormatVersion, nil,
			func(w *wireInvitation) { w.Peer = mallory.PeerID.String() }),
		"peer ID not a peer ID": signedBody(t, FormatVersion, nil,
			func(w *wireInvitation) { w.Peer = "alice" }),
		"key not 32 bytes": signedBody(t, FormatVersion, nil,
			func(w *wireInvitation) { w.Key = w.Key[:31] }),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if inv, err := Parse(text, testNow); !errors.Is(err, ErrTampered) || inv != nil {
				t.Fatalf("Parse = %v, %v; want ErrTampered", inv, err)
			}
		})
	}
}

// Mail and chat damage that must not matter: only the base64 block and the
// checksum count.
func TestParseTolerance(t *testing.T) {
	inv, priv := goldenInvitation(t, goodCreated)
	inv.Name = "Printer Trouble"
	inv.Message = "help please " + strings.Repeat("word ", 80)
	good, err := Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	line, err := OneLine(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")

	rewrap := func(width int) []byte {
		// Rewrap every line except the data as a mail client would, at
		// spaces, and drop blank lines.
		var out []string
		for _, l := range lines {
			if l == "" {
				continue
			}
			if !strings.Contains(l, ": ") || strings.HasPrefix(l, "Checksum") {
				out = append(out, l)
				continue
			}
			cur := ""
			for _, w := range strings.Fields(l) {
				if cur != "" && utf8.RuneCountInString(cur)+1+len(w) > width {
					out = append(out, cur)
					cur = ""
				}
				if cur != "" {
					cur += " "
				}
				cur += w
			}
			out = append(out, cur)
		}
		return []byte(strings.Join(out, "\n"))
	}
	var wrapped strings.Builder
	for i := 0; i < len(line); i += 37 {
		wrapped.WriteString(line[i:min(i+37, len(line))] + "\n> ")
	}

	tests := map[string][]byte{
		"header rewrapped at 10 columns, blank lines dropped": rewrap(10),
		"header rewrapped at 40 columns, blank lines dropped": rewrap(40),
		"doubly quoted with tabs":                             []byte("> > \t" + strings.ReplaceAll(string(good), "\n", "\n>> \t")),
		"old Mac line ends and a BOM":                         []byte("\uFEFF" + strings.ReplaceAll(string(good), "\n", "\r")),
		"junk around and a second copy after it":              []byte("Hello!\n\n" + string(good) + "\n--\nSent from my phone\n" + string(good)),
		"blank line between data and checksum":                bytes.Replace(good, []byte("\nChecksum:"), []byte("\n\nchecksum:"), 1),
		"lost base64 padding":                                 []byte(strings.NewReplacer("==\nChecksum", "\nChecksum", "=\nChecksum", "\nChecksum").Replace(string(good))),
		"one-line form in a chat message":                     []byte("here it is: " + line + " thanks!"),
		"one-line form wrapped by chat and quoted":            []byte("> " + wrapped.String()),
		"one-line form with an upper-case checksum":           []byte(line[:len(line)-8] + strings.ToUpper(line[len(line)-8:])),
		"a broken copy quoted above a good one":               []byte("> " + strings.Replace(string(good), "Checksum: ", "Checksum: x", 1) + "\n" + string(good)),
		"the word rainvite before the one-line form":          []byte("Open this rainvite: " + line),
		"armored and one-line, armored first and used":        []byte(string(good) + "\nrainvite1:AAAA.aaaaaaaa\n"),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(text, testNow)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, text)
			}
			assertSameInvitation(t, got, inv)
		})
	}

	damaged := map[string][]byte{
		"empty":                   nil,
		"no invitation":           []byte("Dear Bob, see attachment."),
		"over 64 KiB":             append(bytes.Repeat([]byte(" "), 64<<10), good...),
		"BEGIN only":              []byte(beginLine + "\n"),
		"no checksum":             []byte(strings.Replace(string(good), "Checksum:", "Checksun:", 1)),
		"wrong checksum":          []byte(lines[0] + "\n" + strings.Join(lines[1:len(lines)-3], "\n") + "\nChecksum: aaaaaaaa\n" + endLine),
		"one-line without sum":    []byte(line[:len(line)-9]),
		"one-line cut short":      []byte(line[:len(line)/2]),
		"one-line format 0":       []byte("rainvite0:AAAA.aaaaaaaa"),
		"one-line with junk char": []byte(line[:20] + "!" + line[20:]),
	}
	for name, text := range damaged {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(text, testNow); !errors.Is(err, ErrDamaged) {
				t.Fatalf("Parse = %v, want ErrDamaged", err)
			}
		})
	}
	if _, err := Parse([]byte("rainvite2:AAAA.aaaaaaaa"), testNow); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("rainvite2: Parse = %v, want ErrUnsupportedVersion", err)
	}
}

// TestParseRefusesAFutureCreation: an invitation made more than
// MaxClockSkew after now says a clock is wrong (it was accepted and shown as
// expiring "in 8761h0m"); within the skew it is accepted.
func TestParseRefusesAFutureCreation(t *testing.T) {
	made := time.Date(2027, 12, 4, 12, 0, 0, 0, time.UTC)
	inv, priv, _, err := New(Options{Name: "Alice", TTL: 2 * time.Hour, Now: made})
	if err != nil {
		t.Fatal(err)
	}
	text, err := Encode(inv, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(text, made.AddDate(-1, 0, 0)); !errors.Is(err, ErrFromTheFuture) {
		t.Errorf("Parse a year before the creation = %v, want ErrFromTheFuture", err)
	}
	if _, err := Parse(text, made.Add(-MaxClockSkew+time.Minute)); err != nil {
		t.Errorf("Parse within the clock skew = %v, want nil", err)
	}
}
