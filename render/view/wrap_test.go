package view

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrap(t *testing.T) {
	runes := func(s string) float64 { return float64(utf8.RuneCountInString(s)) } // one unit a character
	lines := func(s string, width float64) []string {
		var out []string
		for _, r := range Wrap(s, width, runes) {
			out = append(out, s[r.Start:r.End])
		}
		return out
	}
	for name, tc := range map[string]struct {
		in    string
		width float64
		want  []string
	}{
		"a line that fits stays whole":            {"hello world", 20, []string{"hello world"}},
		"breaks at the last space that fits":      {"hello big world", 10, []string{"hello big", "world"}},
		"a word wider than the line is split":     {"see https://example.org/long/path ok", 10, []string{"see", "https://ex", "ample.org/", "long/path", "ok"}},
		"text without spaces breaks anywhere":     {"日本語のテキストです", 4, []string{"日本語の", "テキスト", "です"}},
		"line breaks are kept":                    {"one\ntwo three", 5, []string{"one", "two", "three"}},
		"spaces at a break belong to no line":     {"ab    cd", 3, []string{"ab", "cd"}},
		"no width keeps lines whole":              {"hello world", 0, []string{"hello world"}},
		"a width under one character still moves": {"abc", 0.5, []string{"a", "b", "c"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := lines(tc.in, tc.width); !slices.Equal(got, tc.want) {
				t.Errorf("Wrap(%q, %v) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
		})
	}
}

// ByWords measures what it is given through words and single characters
// only, and measures as the whole string does when the measure adds up
// (one unit a character): wrapping a paragraph with it asks nothing longer
// than a word of LongWord bytes and nothing with a space but " ".
func TestByWordsMeasuresWords(t *testing.T) {
	runes := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	asked := map[string]bool{}
	measure := ByWords(func(s string) float64 { asked[s] = true; return runes(s) })
	para := "Send a File sends files or folders to Alice, who is asked first; see /home/alice/Documents/reports/2026/december.pdf or 日本語のテキストです  twice."
	for _, s := range []string{"", " ", "a", "two words", "  lead and trail  ", para} {
		if got, want := measure(s), runes(s); got != want {
			t.Errorf("ByWords(%q) = %v, want %v", s, got, want)
		}
	}
	byWords := Wrap(para, 20, measure)
	if whole := Wrap(para, 20, runes); !slices.Equal(byWords, whole) {
		t.Errorf("the lines measured by words %v differ from those measured whole %v", byWords, whole)
	}
	for s := range asked {
		if len(s) > LongWord || (s != " " && strings.Contains(s, " ")) {
			t.Errorf("ByWords asked for %q: more than a word", s)
		}
	}
}

func TestEllipsize(t *testing.T) {
	runes := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	for _, tc := range []struct {
		in    string
		width float64
		want  string
	}{
		{"report.pdf", 10, "report.pdf"},
		{"report.pdf", 9, "report.p…"},
		{"Grüße aus Köln.txt", 6, "Grüße…"},
		{"日本語のファイル", 4, "日本語…"},
		{"abc", 1, "…"},
		{"abc", 0, "…"},
	} {
		if got := Ellipsize(tc.in, tc.width, runes); got != tc.want {
			t.Errorf("Ellipsize(%q, %v) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
