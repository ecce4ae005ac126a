//go:build linux

package soundserver

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"testing"
)

// Speech writes text spoken by espeak-ng into path as a 48 kHz mono 16-bit
// WAV (sox resamples it), at about -3 dBFS so nothing clips on the way. It
// skips the test when espeak-ng or sox is missing (fails instead when
// RA_P2P_REQUIRE_ALL=1).
func Speech(tb testing.TB, text, path string) {
	tb.Helper()
	for _, t := range []struct{ name, pkg string }{{"espeak-ng", "espeak-ng"}, {"sox", "sox"}} {
		if _, err := exec.LookPath(t.name); err != nil {
			msg := fmt.Sprintf("needs %s (Debian package %s; scripts/install-deps.sh installs it)", t.name, t.pkg)
			if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	raw := path + ".espeak.wav"
	defer os.Remove(raw)
	if out, err := exec.Command("espeak-ng", "-w", raw, text).CombinedOutput(); err != nil {
		tb.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	if out, err := exec.Command("sox", raw, "-r", "48000", "-c", "1", "-b", "16", path, "gain", "-n", "-3").CombinedOutput(); err != nil {
		tb.Fatalf("sox: %v\n%s", err, out)
	}
}

// ReadWAV reads a 16-bit PCM WAV file (mono, or the first channel of
// several) and returns its samples and sample rate; it fails the test on
// anything else.
func ReadWAV(tb testing.TB, path string) ([]int16, int) {
	tb.Helper()
	chans, rate := ReadWAVChannels(tb, path)
	return chans[0], rate
}

// ReadWAVChannels reads a 16-bit PCM WAV file and returns each channel's
// samples and the sample rate; it fails the test on anything else.
func ReadWAVChannels(tb testing.TB, path string) ([][]int16, int) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		tb.Fatalf("%s is not a WAV file", path)
	}
	var rate, channels, bits int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				tb.Fatalf("%s: short fmt chunk", path)
			}
			format := binary.LittleEndian.Uint16(body[0:])
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
			if (format != 1 && format != 0xfffe) || bits != 16 || channels < 1 {
				tb.Fatalf("%s: format %d, %d bits, %d channels; want 16-bit PCM", path, format, bits, channels)
			}
		case "data":
			if channels == 0 {
				tb.Fatalf("%s: data before fmt", path)
			}
			// A recorder stopped early may leave the size unwritten
			// (0 or 0xffffffff): take what is there.
			if size == 0 || size > len(body) {
				size = len(body)
			}
			n := size / 2 / channels
			out := make([][]int16, channels)
			for c := range out {
				out[c] = make([]int16, n)
				for i := range out[c] {
					out[c][i] = int16(binary.LittleEndian.Uint16(body[(i*channels+c)*2:]))
				}
			}
			return out, rate
		}
		p += 8 + size + size%2
	}
	tb.Fatalf("%s has no data chunk", path)
	return nil, 0
}

// WriteWAV writes mono 16-bit samples as a WAV file.
func WriteWAV(tb testing.TB, path string, rate int, samples []int16) {
	tb.Helper()
	b := make([]byte, 44+2*len(samples))
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(samples)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(samples)))
	for i, v := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func writeTone(tb testing.TB, path string, rate int, hz, seconds float64) {
	tb.Helper()
	s := make([]int16, int(float64(rate)*seconds))
	for i := range s {
		s[i] = int16(16000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	WriteWAV(tb, path, rate, s)
}
