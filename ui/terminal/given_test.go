package terminal

import "testing"

// TestGivenPasswordCountsOnce: a given password is one attempt, shared by
// whoever asks first; none given (nil or empty) gives nothing.
func TestGivenPasswordCountsOnce(t *testing.T) {
	g := NewGivenPassword("correct horse")
	if pw, ok := g.Take(); !ok || pw != "correct horse" {
		t.Fatalf("first Take = %q, %v", pw, ok)
	}
	if _, ok := g.Take(); ok {
		t.Error("a given password was taken twice")
	}
	if _, ok := NewGivenPassword("").Take(); ok {
		t.Error("an empty password counted as given")
	}
	var none *GivenPassword
	if _, ok := none.Take(); ok {
		t.Error("a nil GivenPassword gave a password")
	}
}
