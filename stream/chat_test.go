package stream

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

func TestChatBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hc, nc := net.Pipe()
		defer hc.Close()
		defer nc.Close()
		helper, novice := NewChat(hc), NewChat(nc)
		// A zone other than UTC, and nanoseconds: Send normalises both.
		sent := time.Date(2026, 11, 25, 11, 30, 0, 123456789, time.FixedZone("CET", 3600))

		lines := []struct {
			from, to *Chat
			send     string
			want     string
		}{
			{helper, novice, "é ß 日本", "é ß 日本"},
			{novice, helper, "é ß 日本", "é ß 日本"},
			{novice, helper, "line one\nline two", "line one\nline two"},
			{helper, novice, "  \x1b[31mred\u202e  ", "[31mred"},
			{helper, novice, strings.Repeat("日", MaxChatRunes+10), strings.Repeat("日", MaxChatRunes)},
		}
		for _, l := range lines {
			errc := make(chan error, 1)
			go func() {
				// Nothing is sent for a line that is empty once cleaned.
				if err := l.from.Send("\x00\u202e \t", sent); err != nil {
					errc <- err
					return
				}
				errc <- l.from.Send(l.send, sent)
			}()
			m, err := l.to.Receive()
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if m.Text != l.want {
				t.Errorf("received %q, want %q", m.Text, l.want)
			}
			if want := fixedTime; !m.Sent.Equal(want) || m.Sent.Location() != time.UTC {
				t.Errorf("sent time %v, want %v", m.Sent, want)
			}
			if err := <-errc; err != nil {
				t.Fatalf("Send: %v", err)
			}
		}

		// The peer hangs up: a clean io.EOF.
		hc.Close()
		if _, err := novice.Receive(); err != io.EOF {
			t.Fatalf("after hang-up: %v, want io.EOF", err)
		}
	})
}

// TestChatReceiveCleans has a peer that skips Send's cleaning.
func TestChatReceiveCleans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		runPeer(t, func(p *peer) {
			p.writeJSON(MsgChat, ChatMessage{Text: "ok\u202eevil\x07\n" + strings.Repeat("x", 3000), Sent: fixedTime})
			p.writeJSON(MsgStatus, Status{Event: "bye"})
			p.write(framing.AppendFrame(nil, MsgChat, make([]byte, MaxChatMessage)))
		}, func(c net.Conn) {
			chat := NewChat(c)
			m, err := chat.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(m.Text, "okevil\nxxx") || utf8.RuneCountInString(m.Text) != MaxChatRunes {
				t.Errorf("received %q… (%d runes)", m.Text[:min(len(m.Text), 12)], utf8.RuneCountInString(m.Text))
			}
			if _, err := chat.Receive(); err == nil {
				t.Error("a status on the chat stream: no error")
			}
			if _, err := chat.Receive(); !errors.Is(err, framing.ErrFrameTooLarge) {
				t.Errorf("an oversize chat frame: %v, want ErrFrameTooLarge", err)
			}
		})
	})
}

func TestCleanText(t *testing.T) {
	long := strings.Repeat("é", MaxNameRunes+1)
	for name, tt := range map[string]struct {
		in, name, chat string // chat "" means the same as name
	}{
		"plain names pass":                      {in: "Ann", name: "Ann"},
		"non-Latin letters pass":                {in: "é ß 日本", name: "é ß 日本"},
		"C0 control characters are dropped":     {in: "A\x00n\x07n\x1b", name: "Ann"},
		"DEL and C1 controls are dropped":       {in: "A\x7fn\u0085n\u009b", name: "Ann"},
		"a bidi override is dropped":            {in: "invoice\u202etxt.exe", name: "invoicetxt.exe"},
		"every bidi embedding and isolate goes": {in: "\u202aa\u202bb\u202cc\u202dd\u2066e\u2067f\u2068g\u2069", name: "abcdefg"},
		"invalid UTF-8 is dropped":              {in: "An\xffn", name: "Ann"},
		"surrounding spaces and tabs are trimmed": {
			in: " \t Ann Lee \t ", name: "Ann Lee",
		},
		"a newline is dropped from names but kept in chat": {
			in: "Ann\nLee", name: "AnnLee", chat: "Ann\nLee",
		},
		"a carriage return is dropped everywhere": {
			in: "a\r\nb", name: "ab", chat: "a\nb",
		},
		"names over 64 runes are cut to 64": {
			in: long, name: long[:2*MaxNameRunes], chat: long,
		},
		"dropped characters do not count toward the limit": {
			in: strings.Repeat("\u202e", 100) + long, name: long[:2*MaxNameRunes], chat: long,
		},
		"only controls and spaces is empty": {in: "\x00\u202e\t ", name: ""},
		"zero-width spaces, marks and the BOM are dropped": {
			in: "A\u200bn\u200e\u200fn\ufeff\u2060", name: "Ann",
		},
		"line and paragraph separators are dropped": {in: "Ann\u2028Bob\u2029", name: "AnnBob"},
		"tag characters are dropped":                {in: "Ann\U000e0041\U000e007f", name: "Ann"},
		"joiners are dropped from names but kept in chat": {
			in: "👨\u200d👩 \u200c", name: "👨👩", chat: "👨\u200d👩 \u200c",
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := CleanName(tt.in); got != tt.name {
				t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.name)
			}
			wantChat := tt.chat
			if wantChat == "" {
				wantChat = tt.name
			}
			if got := cleanText(tt.in, MaxChatRunes, true); got != wantChat {
				t.Errorf("chat cleaning of %q = %q, want %q", tt.in, got, wantChat)
			}
		})
	}
}

// TestChatWorstCaseLineFits: a full-length line of the characters that take
// the most bytes in JSON still fits in one frame, and a line of only
// newlines is not sent. (U+2028, which JSON spells in 6 bytes, is dropped
// since it can fake a new line; a kept rune takes at most 4.)
func TestChatWorstCaseLineFits(t *testing.T) {
	for name, text := range map[string]string{
		"2000 '<'":    strings.Repeat("<", MaxChatRunes),
		"2000 emoji":  strings.Repeat("😀", MaxChatRunes),
		"2000 quotes": strings.Repeat(`"`, MaxChatRunes),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			c := NewChat(&struct {
				io.Reader
				io.Writer
			}{&buf, &buf})
			if err := c.Send(text, time.Unix(0, 0)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			m, err := c.Receive()
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if m.Text != text {
				t.Errorf("line changed on the way: %d runes in, %d out", len([]rune(text)), len([]rune(m.Text)))
			}
		})
	}
	var buf bytes.Buffer
	c := NewChat(&struct {
		io.Reader
		io.Writer
	}{&buf, &buf})
	if err := c.Send("\n\n \t\n", time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("a blank line was sent: % x", buf.Bytes())
	}
}

// FuzzChatReceive: whatever a peer sends on the chat stream, Receive either
// fails or returns a line that is safe to show: valid UTF-8, at most
// MaxChatRunes runes, no control character but newline, nothing invisible.
func FuzzChatReceive(f *testing.F) {
	f.Add(framing.AppendFrame(nil, MsgChat, []byte(`{"text":"hello","sent":"2026-11-25T10:00:00Z"}`)))
	f.Add(framing.AppendFrame(nil, MsgChat, []byte(`{"text":"a\u202eb\u2028c\n\u0000d\ufeff","sent":"x"}`)))
	f.Add(framing.AppendFrame(nil, MsgStatus, []byte(`{"event":"bye"}`)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewChat(&struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), io.Discard})
		for {
			m, err := c.Receive()
			if err != nil {
				return
			}
			if !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > MaxChatRunes {
				t.Fatalf("unsafe line %q", m.Text)
			}
			for _, r := range m.Text {
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || invisible(r, true) {
					t.Fatalf("line %q keeps %U", m.Text, r)
				}
			}
		}
	})
}

// FuzzReceiveStatus: the session stream's status reader never panics and
// returns one-line text.
func FuzzReceiveStatus(f *testing.F) {
	f.Add(framing.AppendFrame(nil, MsgStatus, []byte(`{"event":"bye"}`)))
	f.Add(append(framing.AppendFrame(nil, 0x7e, []byte(`{}`)), framing.AppendFrame(nil, MsgStatus, []byte(`{"event":"x","text":"a\nb"}`))...))
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &Session{fr: framing.NewFrameReader(bytes.NewReader(in), MaxSessionMessage), w: io.Discard}
		for {
			st, err := s.ReceiveStatus()
			if err != nil {
				return
			}
			if strings.ContainsAny(st.Text, "\n\r") || !utf8.ValidString(st.Text) {
				t.Fatalf("status text %q is not one safe line", st.Text)
			}
		}
	})
}
