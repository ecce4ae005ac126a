package invite

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/libp2p/go-libp2p/core/crypto"
)

const (
	beginLine      = "-----BEGIN RA-P2P INVITATION-----"
	endLine        = "-----END RA-P2P INVITATION-----"
	checksumPrefix = "Checksum:"
	oneLinePrefix  = "rainvite"
	oneLineVersion = "1"
	checksumLen    = 8 // base32 characters for 5 bytes
	lineWidth      = 64
	maxInput       = 64 << 10
)

// Encode signs inv with priv and returns the armored text, ending in a
// newline. priv must be the key inv was made with.
func Encode(inv *Invitation, priv crypto.PrivKey) ([]byte, error) {
	if inv == nil {
		return nil, errors.New("encoding invitation: no invitation")
	}
	payload, err := encodePayload(inv, priv)
	if err != nil {
		return nil, fmt.Errorf("encoding invitation: %w", err)
	}
	return armor(payload, inv), nil
}

// armor wraps payload in the text form. The header lines come from inv and
// are for people only.
func armor(payload []byte, inv *Invitation) []byte {
	var b bytes.Buffer
	b.WriteString(beginLine + "\n")
	b.WriteString("From: " + headerValue(inv.Name) + "\n")
	if inv.Message != "" {
		b.WriteString("Message: " + headerValue(inv.Message) + "\n")
	}
	b.WriteString("Expires: " + inv.Expires.UTC().Format("2006-01-02 15:04 MST") + "\n")
	// Keep this line last: its final word ends in '>', so however a mail
	// client rewraps the header, no fragment of it looks like base64.
	b.WriteString("Open with: ra-p2p help <this file>\n\n")
	data := base64.StdEncoding.EncodeToString(payload)
	for len(data) > lineWidth {
		b.WriteString(data[:lineWidth] + "\n")
		data = data[lineWidth:]
	}
	b.WriteString(data + "\n")
	b.WriteString(checksumPrefix + " " + checksum(payload) + "\n")
	b.WriteString(endLine + "\n")
	return b.Bytes()
}

// headerValue puts a name or message on one line.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// checksum is the first 5 bytes of SHA-256(payload), base32, lower case.
func checksum(payload []byte) string {
	sum := sha256.Sum256(payload)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:5]))
}

// OneLine returns the one-line form of an armored (or one-line) invitation:
// "rainvite1:" + base64url(payload, unpadded) + "." + checksum. The payload
// bytes are the same as in the armored text. Only the checksum is checked.
func OneLine(armored []byte) (string, error) {
	payload, err := extractPayload(armored)
	if err != nil {
		return "", err
	}
	return oneLinePrefix + oneLineVersion + ":" + base64.RawURLEncoding.EncodeToString(payload) + "." + checksum(payload), nil
}

// Parse reads an armored or one-line invitation and checks it, in this order:
// armor and checksum (ErrDamaged), format version (ErrUnsupportedVersion),
// signature and peer ID (ErrTampered), fields (ErrDamaged), and expiry
// against now (ErrExpired; the invitation is returned along with the error so
// the caller can say whom it was from). A zero now means time.Now().
func Parse(text []byte, now time.Time) (*Invitation, error) {
	payload, err := extractPayload(text)
	if err != nil {
		return nil, err
	}
	inv, err := decodePayload(payload)
	if err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = time.Now()
	}
	if !now.Before(inv.Expires) {
		return inv, fmt.Errorf("%w (at %s)", ErrExpired, inv.Expires.Format("2006-01-02 15:04 MST"))
	}
	if inv.Created.After(now.Add(MaxClockSkew)) {
		return inv, fmt.Errorf("%w (made %s)", ErrFromTheFuture, inv.Created.Format("2006-01-02 15:04 MST"))
	}
	return inv, nil
}

// extractPayload finds the armored block or the one-line form in text and
// returns the payload after checking its checksum. When the text holds more
// than one armored block (a mail thread), the first whose checksum matches
// wins; if none does, the first block's error is returned.
func extractPayload(text []byte) ([]byte, error) {
	if len(text) > maxInput {
		return nil, fmt.Errorf("%w: the text is larger than %d KiB", ErrDamaged, maxInput>>10)
	}
	lines := cleanLines(string(text))
	var firstErr error
	for i := 0; i < len(lines); i++ {
		if !strings.EqualFold(lines[i], beginLine) {
			continue
		}
		payload, end, err := extractArmored(lines, i)
		if err == nil {
			return payload, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		i = end
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return extractOneLine(strings.Join(lines, "\n"))
}

// extractArmored reads the block whose BEGIN line is lines[begin]. It
// returns the index of the END line (or the last line) to resume from.
func extractArmored(lines []string, begin int) (payload []byte, end int, err error) {
	end = -1
	for i := begin + 1; i < len(lines); i++ {
		if strings.EqualFold(lines[i], endLine) {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, len(lines), fmt.Errorf("%w: the END line is missing; the invitation was cut short", ErrDamaged)
	}

	// The checksum is the last non-blank line before END, and the base64
	// block is the run of base64 lines just above it. The header lines above
	// that are never read.
	i := end - 1
	for i > begin && lines[i] == "" {
		i--
	}
	if i <= begin || !hasPrefixFold(lines[i], checksumPrefix) {
		return nil, end, fmt.Errorf("%w: the checksum line is missing", ErrDamaged)
	}
	sum := strings.ToLower(strings.TrimSpace(lines[i][len(checksumPrefix):]))
	i--
	for i > begin && lines[i] == "" {
		i--
	}
	last := i
	for i > begin && lines[i] != "" && isBase64Line(lines[i]) {
		i--
	}
	if i == last {
		return nil, end, fmt.Errorf("%w: there is no data between the header and the checksum", ErrDamaged)
	}
	data := strings.TrimRight(strings.Join(lines[i+1:last+1], ""), "=")
	payload, err = base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return nil, end, fmt.Errorf("%w: decoding base64: %v", ErrDamaged, err)
	}
	payload, err = checkPayload(payload, sum)
	return payload, end, err
}

// extractOneLine finds "rainvite<version>:<base64url>.<checksum>" in s; a
// "rainvite" not followed by a number and a colon is passed over. Whitespace
// inside the data is skipped, so a form wrapped by a chat client still reads.
func extractOneLine(s string) ([]byte, error) {
	var colon int
	for {
		start := strings.Index(s, oneLinePrefix)
		if start < 0 {
			return nil, fmt.Errorf("%w: no invitation found in the text", ErrDamaged)
		}
		s = s[start+len(oneLinePrefix):]
		colon = strings.IndexByte(s, ':')
		if colon >= 1 && colon <= 3 && strings.Trim(s[:colon], "0123456789") == "" {
			break
		}
	}
	if v := strings.TrimLeft(s[:colon], "0"); v != oneLineVersion {
		if v == "" {
			return nil, fmt.Errorf("%w: unknown one-line format 0", ErrDamaged)
		}
		return nil, fmt.Errorf("%w (one-line format %s)", ErrUnsupportedVersion, v)
	}
	s = s[colon+1:]

	var data, sum strings.Builder
	inSum := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case !inSum && r == '.':
			inSum = true
		case !inSum && isBase64URLChar(r):
			data.WriteRune(r)
		case inSum && isBase32Char(r):
			sum.WriteRune(r)
		default:
			return nil, fmt.Errorf("%w: unexpected character %q in the invitation", ErrDamaged, r)
		}
		if sum.Len() == checksumLen {
			break
		}
	}
	if !inSum || sum.Len() != checksumLen {
		return nil, fmt.Errorf("%w: the invitation was cut short", ErrDamaged)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(data.String(), "="))
	if err != nil {
		return nil, fmt.Errorf("%w: decoding base64: %v", ErrDamaged, err)
	}
	return checkPayload(payload, strings.ToLower(sum.String()))
}

func checkPayload(payload []byte, sum string) ([]byte, error) {
	if len(payload) > maxPayload {
		return nil, fmt.Errorf("%w: the payload is larger than %d bytes", ErrDamaged, maxPayload)
	}
	if checksum(payload) != sum {
		return nil, fmt.Errorf("%w: the checksum does not match", ErrDamaged)
	}
	return payload, nil
}

// cleanLines splits text into lines and removes what mail and chat add:
// CR, a byte-order mark, indentation, trailing spaces and "> " quoting.
func cleanLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		for {
			l = strings.TrimLeftFunc(l, isSpaceOrBOM)
			if !strings.HasPrefix(l, ">") {
				break
			}
			l = l[1:]
		}
		lines[i] = strings.TrimRightFunc(l, isSpaceOrBOM)
	}
	return lines
}

func isSpaceOrBOM(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isBase64Line(s string) bool {
	for _, r := range s {
		if !isBase64Char(r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

func isBase64Char(r rune) bool    { return isAlnum(r) || r == '+' || r == '/' || r == '=' }
func isBase64URLChar(r rune) bool { return isAlnum(r) || r == '-' || r == '_' || r == '=' }
func isBase32Char(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '2' && r <= '7'
}
