package invite

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestProof(t *testing.T) {
	inv, _, pwKey, err := New(Options{Name: "Alice", Password: "open sesame"})
	if err != nil {
		t.Fatal(err)
	}
	helperInv, _, _, err := New(Options{Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	novice, helper := inv.PeerID, helperInv.PeerID
	nonce := bytes.Repeat([]byte{7}, 32)

	// The helper parsed the invitation and typed the password.
	rightKey, err := inv.PasswordKey("open sesame")
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, err := inv.PasswordKey("open sesame!")
	if err != nil {
		t.Fatal(err)
	}
	otherSecret := inv.Secret
	otherSecret[0] ^= 1

	proof := Proof(inv.Secret, rightKey, novice, helper, nonce)
	if len(proof) != 32 {
		t.Fatalf("proof is %d bytes", len(proof))
	}
	if !VerifyProof(inv.Secret, pwKey, novice, helper, nonce, proof) {
		t.Fatal("the right password does not verify")
	}
	tests := map[string][]byte{
		"wrong password":      Proof(inv.Secret, wrongKey, novice, helper, nonce),
		"no password":         Proof(inv.Secret, nil, novice, helper, nonce),
		"wrong secret":        Proof(otherSecret, rightKey, novice, helper, nonce),
		"peer IDs swapped":    Proof(inv.Secret, rightKey, helper, novice, nonce),
		"another helper":      Proof(inv.Secret, rightKey, novice, peer.ID("x"+string(helper)), nonce),
		"different nonce":     Proof(inv.Secret, rightKey, novice, helper, bytes.Repeat([]byte{8}, 32)),
		"nonce one byte less": Proof(inv.Secret, rightKey, novice, helper, nonce[:31]),
		"truncated proof":     proof[:16],
		"empty proof":         nil,
	}
	for name, p := range tests {
		if VerifyProof(inv.Secret, pwKey, novice, helper, nonce, p) {
			t.Errorf("%s: verified", name)
		}
	}

	// Without a password both sides use nil.
	p := Proof(helperInv.Secret, nil, helper, novice, nonce)
	if !VerifyProof(helperInv.Secret, nil, helper, novice, nonce, p) {
		t.Error("proof without password does not verify")
	}
	if VerifyProof(helperInv.Secret, pwKey, helper, novice, nonce, p) {
		t.Error("proof without password verifies against a password key")
	}
}

func TestSecretProof(t *testing.T) {
	inv, _, _, err := New(Options{Name: "Alice", Password: "open sesame"})
	if err != nil {
		t.Fatal(err)
	}
	novice, helper := inv.PeerID, peer.ID("helper")
	nonce := bytes.Repeat([]byte{7}, 32)
	p := SecretProof(inv.Secret, novice, helper, nonce)
	if !VerifySecretProof(inv.Secret, novice, helper, nonce, p) {
		t.Fatal("the secret proof does not verify")
	}
	otherSecret := inv.Secret
	otherSecret[0] ^= 1
	for name, q := range map[string][]byte{
		"wrong secret":       SecretProof(otherSecret, novice, helper, nonce),
		"peer IDs swapped":   SecretProof(inv.Secret, helper, novice, nonce),
		"different nonce":    SecretProof(inv.Secret, novice, helper, bytes.Repeat([]byte{8}, 32)),
		"a punch proof":      PunchProof(inv.Secret, novice, helper, nonce),
		"a session proof":    Proof(inv.Secret, nil, novice, helper, nonce),
		"empty secret proof": nil,
	} {
		if VerifySecretProof(inv.Secret, novice, helper, nonce, q) {
			t.Errorf("%s: verified as a secret proof", name)
		}
	}
}

// TestResumeProof: a resumption proof holds only for the key of this
// session (secret, both peer IDs, the accepted handshake's nonce) and the
// novice's fresh nonce.
func TestResumeProof(t *testing.T) {
	inv, _, _, err := New(Options{Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	novice, helper := inv.PeerID, peer.ID("helper")
	handshake, fresh := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 32)
	key := ResumeKey(inv.Secret, novice, helper, handshake)
	good := ResumeProof(key, novice, helper, fresh)
	otherSecret := inv.Secret
	otherSecret[0] ^= 1
	for name, q := range map[string][]byte{
		"another helper's session": ResumeProof(ResumeKey(inv.Secret, novice, "mallory", handshake), novice, helper, fresh),
		"another handshake":        ResumeProof(ResumeKey(inv.Secret, novice, helper, fresh), novice, helper, fresh),
		"another invitation":       ResumeProof(ResumeKey(otherSecret, novice, helper, handshake), novice, helper, fresh),
		"an old nonce":             ResumeProof(key, novice, helper, handshake),
		"the secret proof":         SecretProof(inv.Secret, novice, helper, fresh),
		"keyed by the secret":      ResumeProof(inv.Secret[:], novice, helper, fresh),
	} {
		if bytes.Equal(q, good) {
			t.Errorf("%s: same as the session's resumption proof", name)
		}
	}
}

// TestVerificationCode: six digits in two groups, the same for the same
// session, another for another helper or another invitation.
func TestVerificationCode(t *testing.T) {
	inv, _, _, err := New(Options{Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	code := VerificationCode(inv.Secret, inv.PeerID, "bob")
	if !regexp.MustCompile(`^\d{3} \d{3}$`).MatchString(code) {
		t.Errorf("code %q, want two groups of three digits", code)
	}
	if again := VerificationCode(inv.Secret, inv.PeerID, "bob"); again != code {
		t.Errorf("the same session's code changed: %q, %q", code, again)
	}
	otherSecret := inv.Secret
	otherSecret[0] ^= 1
	differ := 0
	for _, c := range []string{
		VerificationCode(inv.Secret, inv.PeerID, "mallory"),
		VerificationCode(otherSecret, inv.PeerID, "bob"),
		VerificationCode(inv.Secret, "bob", inv.PeerID), // the roles swapped
	} {
		if c != code {
			differ++
		}
	}
	if differ != 3 { // one in a million may collide; these inputs do not
		t.Errorf("%d of 3 other sessions have another code, want 3", differ)
	}
}
