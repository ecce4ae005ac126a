package x11sync

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
)

func TestParseDisplay(t *testing.T) {
	for _, c := range []struct{ in, host, number string }{
		{":0", "", "0"},
		{":91.0", "", "91"},
		{"unix:3", "unix", "3"},
		{"localhost:10.0", "localhost", "10"},
		{"tcp/example.org:2", "example.org", "2"},
	} {
		host, number, err := parseDisplay(c.in)
		if err != nil || host != c.host || number != c.number {
			t.Errorf("parseDisplay(%q) = %q, %q, %v; want %q, %q", c.in, host, number, err, c.host, c.number)
		}
	}
	for _, bad := range []string{"", "0", ":", ":x"} {
		if _, _, err := parseDisplay(bad); err == nil {
			t.Errorf("parseDisplay(%q): no error", bad)
		}
	}
}

// TestFindCookie: the first MIT-MAGIC-COOKIE-1 for this machine (or any)
// and this display (or any) is taken, in the file's order.
func TestFindCookie(t *testing.T) {
	entry := func(family uint16, addr, disp, name string, data []byte) []byte {
		b := binary.BigEndian.AppendUint16(nil, family)
		for _, f := range [][]byte{[]byte(addr), []byte(disp), []byte(name), data} {
			b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
		}
		return b
	}
	cookie := bytes.Repeat([]byte{7}, 16)
	var file []byte
	file = append(file, entry(familyLocal, "elsewhere", "5", "MIT-MAGIC-COOKIE-1", []byte("other host"))...)
	file = append(file, entry(familyLocal, "here", "4", "MIT-MAGIC-COOKIE-1", []byte("other display"))...)
	file = append(file, entry(familyLocal, "here", "5", "XDM-AUTHORIZATION-1", []byte("other kind"))...)
	file = append(file, entry(familyLocal, "here", "5", "MIT-MAGIC-COOKIE-1", cookie)...)
	file = append(file, entry(familyWild, "", "", "MIT-MAGIC-COOKIE-1", []byte("later"))...)
	if name, data := findCookie(bytes.NewReader(file), "here", "5"); name != "MIT-MAGIC-COOKIE-1" || !bytes.Equal(data, cookie) {
		t.Errorf("display 5: %q %x, want the cookie %x", name, data, cookie)
	}
	if _, data := findCookie(bytes.NewReader(file), "here", "6"); string(data) != "later" {
		t.Errorf("display 6: %q, want the wildcard entry's", data)
	}
	if name, data := findCookie(bytes.NewReader(file[:len(file)-3]), "nowhere", "6"); name != "" || data != nil {
		t.Errorf("a cut file: %q %x, want nothing", name, data)
	}
}

// fakeServer answers the connection setup on one end of a pipe and then
// writes what the test gives it.
func fakeServer(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	go func() {
		head := make([]byte, 12)
		if _, err := io.ReadFull(server, head); err != nil {
			return
		}
		setup := make([]byte, 8+32)
		setup[0] = 1
		binary.LittleEndian.PutUint16(setup[6:], 8)
		binary.LittleEndian.PutUint32(setup[8+4:], 0x200000) // resource ID base
		binary.LittleEndian.PutUint32(setup[8+8:], 0x1fffff) // mask
		server.Write(setup)
	}()
	c := &Conn{c: client, r: bufio.NewReader(client), exts: map[string]Extension{}}
	if err := c.handshake("", nil); err != nil {
		t.Fatal(err)
	}
	return c, server
}

// packet is a reply (kind 1), error (0) or event of 32 bytes for sequence
// number seq.
func packet(kind byte, seq uint16) []byte {
	p := make([]byte, 32)
	p[0] = kind
	binary.LittleEndian.PutUint16(p[2:], seq)
	return p
}

// TestRepliesInOrder: a reply is found past the events and other
// requests' errors before it, which go to their handlers; asking for one
// already passed is an error, not a wait for ever.
func TestRepliesInOrder(t *testing.T) {
	c, server := fakeServer(t)
	if id, err := c.NewID(); err != nil || id != 0x200001 {
		t.Fatalf("NewID = %#x, %v; want 0x200001", id, err)
	}
	var events, errs int
	c.OnEvent = func([]byte) { events++ }
	c.OnError = func(*Error) { errs++ }
	a, b, d := c.GetGeometry(1), c.QueryPointer(1), c.GetGeometry(1)
	go func() {
		io.CopyN(io.Discard, server, 3*8) // the three requests
		for _, p := range [][]byte{packet(1, 1), packet(22, 1), packet(0, 2), packet(1, 3)} {
			server.Write(p)
		}
	}()
	if _, err := c.Reply(b); err == nil {
		t.Fatal("the pointer's reply came as an error: want that error")
	}
	if _, err := c.Reply(a); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("a reply already passed: %v, want an error", err)
	}
	if _, err := c.Reply(d); err != nil {
		t.Fatal(err)
	}
	if events != 1 || errs != 0 {
		t.Errorf("%d events and %d other errors handed on, want 1 and 0", events, errs)
	}
}
