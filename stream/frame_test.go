package stream

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/wiretest"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// seq returns 32 bytes n, n+1, … used as nonces and MACs in golden frames.
func seq(n byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = n + byte(i)
	}
	return b
}

// unhex decodes hex written with spaces and newlines for readability.
var unhex = wiretest.Unhex

var fixedTime = time.Date(2026, 11, 25, 10, 30, 0, 123e6, time.UTC)

// goldenFrames are the exact bytes of every message type. Each hex string is
// "uvarint(length) type body"; the JSON body is repeated in the comment. A
// change here is a wire change: see protocols.go.
var goldenFrames = []struct {
	name string
	t    framing.MsgType
	v    any
	hex  string
}{
	{
		name: "hello with name only",
		t:    MsgHello, v: Hello{Name: "Ann"},
		// {"name":"Ann"}
		hex: "0f 01 7b226e616d65223a22416e6e227d",
	},
	{
		name: "hello with app and caps",
		t:    MsgHello, v: Hello{Name: "Ann", App: "ra-p2p/0.1.0", Caps: []string{"chat"}},
		// {"name":"Ann","app":"ra-p2p/0.1.0","caps":["chat"]}
		hex: "34 01 7b226e616d65223a22416e6e222c22617070223a2272612d7032702f302e312e30222c2263617073223a5b2263686174225d7d",
	},
	{
		name: "challenge with password",
		t:    MsgChallenge, v: Challenge{Name: "Bob", Nonce: seq(0), PasswordRequired: true, Caps: []string{"chat"}},
		// {"name":"Bob","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","password_required":true,"caps":["chat"]}
		hex: `6f 02 7b226e616d65223a22426f62222c226e6f6e6365223a22414145434177514642676349435
			16f4c4441304f4478415245684d554652595847426b61477877644868383d222c2270617373776f
			72645f7265717569726564223a747275652c2263617073223a5b2263686174225d7d`,
	},
	{
		name: "proof",
		t:    MsgProof, v: Proof{MAC: seq(0xa0)},
		// {"mac":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8="}
		hex: `37 03 7b226d6163223a226f4b47696f36536c7071656f71617172724b32757237437873724f3074
			626133754c6d36753779397672383d227d`,
	},
	{
		name: "proof with the secret MAC",
		t:    MsgProof, v: Proof{MAC: seq(0xa0), SecretMAC: seq(0xc0)},
		// {"mac":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=","secret_mac":"wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t8="}
		hex: `73 03 7b226d6163223a226f4b47696f36536c7071656f71617172724b32757237437873724f30746261
			33754c6d36753779397672383d222c227365637265745f6d6163223a22774d4843773854467873
			66497963724c7a4d334f7a3944523074505531646258324e6e6132397a643374383d227d`,
	},
	{
		name: "result accepted",
		t:    MsgResult, v: Result{Outcome: OutcomeAccepted},
		// {"outcome":"accepted"}
		hex: "17 04 7b226f7574636f6d65223a226163636570746564227d",
	},
	{
		name: "result wrong password with attempts left",
		t:    MsgResult, v: Result{Outcome: OutcomeWrongPassword, AttemptsLeft: 2},
		// {"outcome":"wrong-password","attempts_left":2}
		hex: "2f 04 7b226f7574636f6d65223a2277726f6e672d70617373776f7264222c22617474656d7074735f6c656674223a327d",
	},
	{
		name: "status bye",
		t:    MsgStatus, v: Status{Event: StatusBye},
		// {"event":"bye"}
		hex: "10 05 7b226576656e74223a22627965227d",
	},
	{
		name: "status over 127 bytes takes a two-byte length",
		t:    MsgStatus, v: Status{Event: "note", Text: "Your helper can see your screen now. Press Stop sharing at any time to end the session; nothing is recorded."},
		// {"event":"note","text":"Your helper can see your screen now. Press Stop sharing at any time to end the session; nothing is recorded."}
		hex: `8701 05 7b226576656e74223a226e6f7465222c2274657874223a22596f75722068656c706572
			2063616e2073656520796f75722073637265656e206e6f772e2050726573732053746f70207368
			6172696e6720617420616e792074696d6520746f20656e64207468652073657373696f6e3b206e
			6f7468696e67206973207265636f726465642e227d`,
	},
	{
		name: "chat with unicode, a newline and a fixed time",
		t:    MsgChat, v: ChatMessage{Text: "é ß 日本\nok", Sent: fixedTime},
		// {"text":"é ß 日本\nok","sent":"2026-11-25T10:30:00.123Z"}
		hex: `3e 10 7b2274657874223a22c3a920c39f20e697a5e69cac5c6e6f6b222c2273656e74223a2232
			3032362d31312d32355431303a33303a30302e3132335a227d`,
	},
}

func TestGoldenFrames(t *testing.T) {
	for _, tt := range goldenFrames {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.hex)

			body, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := framing.AppendFrame(nil, tt.t, body); !bytes.Equal(got, want) {
				t.Errorf("AppendFrame:\n got %x\nwant %x", got, want)
			}
			var buf bytes.Buffer
			if err := framing.WriteJSON(&buf, MaxChatMessage, tt.t, tt.v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("WriteJSON:\n got %x\nwant %x", buf.Bytes(), want)
			}

			fr := framing.NewFrameReader(bytes.NewReader(want), MaxChatMessage)
			got := reflect.New(reflect.TypeOf(tt.v))
			if err := fr.ReadJSON(tt.t, got.Interface()); err != nil {
				t.Fatalf("ReadJSON: %v", err)
			}
			if !reflect.DeepEqual(got.Elem().Interface(), tt.v) {
				t.Errorf("decoded %+v, want %+v", got.Elem().Interface(), tt.v)
			}
			if _, _, err := fr.ReadFrame(); err != io.EOF {
				t.Errorf("after the only frame: err = %v, want io.EOF", err)
			}
		})
	}
}
