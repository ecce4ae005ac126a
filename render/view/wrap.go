package view

import (
	"strings"
	"unicode/utf8"
)

// Wrap breaks s into lines no wider than width as advance measures them:
// at spaces where it can, and inside a word wider than the whole width
// (an address, a path, text with no spaces such as Japanese) between two
// characters, so nothing is cut off at the edge. Each line is the byte
// range [Start, End) of s; the spaces at a break belong to no line.
// Existing line breaks are kept. A width of 0 or less keeps each line whole.
func Wrap(s string, width float64, advance func(string) float64) []Range {
	var lines []Range
	start := 0
	for _, para := range strings.SplitAfter(s, "\n") {
		end := start + len(strings.TrimSuffix(para, "\n"))
		lines = wrapLine(lines, s, start, end, width, advance)
		start += len(para)
	}
	return lines
}

// Range is a byte range [Start, End) of a string.
type Range struct{ Start, End int }

// wrapLine appends the lines of s[start:end], which has no line break.
func wrapLine(lines []Range, s string, start, end int, width float64, advance func(string) float64) []Range {
	if width <= 0 || advance(s[start:end]) <= width {
		return append(lines, Range{start, end})
	}
	lineStart := start
	for lineStart < end {
		// Skip the spaces at the start of a continuation line.
		if lineStart > start {
			for lineStart < end && s[lineStart] == ' ' {
				lineStart++
			}
			if lineStart == end {
				break
			}
		}
		if advance(s[lineStart:end]) <= width {
			return append(lines, Range{lineStart, end})
		}
		// The longest prefix that fits, ending at a space if one does.
		fit, lastSpace := lineStart, -1
		for i, r := range s[lineStart:end] {
			next := lineStart + i + utf8.RuneLen(r)
			if r == ' ' {
				lastSpace = lineStart + i
			}
			if advance(s[lineStart:next]) > width {
				break
			}
			fit = next
		}
		switch {
		case lastSpace > lineStart && lastSpace <= fit:
			e := lastSpace
			for e > lineStart && s[e-1] == ' ' {
				e--
			}
			lines = append(lines, Range{lineStart, e})
			lineStart = lastSpace + 1
		case fit == lineStart: // not even one character fits: it goes alone
			_, n := utf8.DecodeRuneInString(s[lineStart:end])
			lines = append(lines, Range{lineStart, lineStart + n})
			lineStart += n
		default:
			lines = append(lines, Range{lineStart, fit})
			lineStart = fit
		}
	}
	return lines
}

// Ellipsize shortens s to fit width as advance measures it: its end is cut
// off, between two characters, and "…" put in its place. A width too small
// for even "…" gives "…".
func Ellipsize(s string, width float64, advance func(string) float64) string {
	if advance(s) <= width {
		return s
	}
	cut := 0
	for i, r := range s {
		next := i + utf8.RuneLen(r)
		if advance(s[:next]+"…") > width {
			break
		}
		cut = next
	}
	return s[:cut] + "…"
}

// LongWord is the length in bytes above which ByWords measures a word
// character by character.
const LongWord = 24

// ByWords returns advance measured word by word, for Wrap and Ellipsize:
// a string is its words, each measured alone, plus advance(" ") for each
// space; a word of more than LongWord bytes (a path, a line of Japanese)
// is its characters, each measured alone. Wrap measures every prefix of a
// line, a character longer each time, and the whole rest of the
// paragraph for each line; Ebiten's text package shapes every string it
// is asked about and keeps the result (at least the last 512 strings, and
// all those of the last second), so measuring those strings whole kept
// 52 MB of the helper's heap for the help page alone. Measured this way
// it keeps words. What this leaves out (kerning across a space, within a
// long word) moves a break by a pixel or so.
func ByWords(advance func(string) float64) func(string) float64 {
	space := advance(" ")
	return func(s string) float64 {
		w := 0.0
		for first := true; ; first = false {
			word, rest, more := strings.Cut(s, " ")
			if !first {
				w += space
			}
			switch {
			case word == "":
			case len(word) <= LongWord:
				w += advance(word)
			default:
				for i, r := range word {
					w += advance(word[i : i+utf8.RuneLen(r)])
				}
			}
			if !more {
				return w
			}
			s = rest
		}
	}
}
