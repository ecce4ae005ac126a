package voice

import "time"

const (
	// SampleRate is the rate of all PCM, in and out: 48 kHz mono.
	SampleRate = 48000
	// FrameSamples is what a sound device delivers and wants at a time:
	// 10 ms.
	FrameSamples = 480
	// PacketSamples is the audio in one packet: 20 ms.
	PacketSamples = 960
	// MaxPayload is the largest Opus payload accepted: one 20 ms Opus
	// frame is at most 1275 bytes, two 10 ms frames at most 2×1275 + 2,
	// which no sane encoder at voice bitrates comes near.
	MaxPayload = 1500
)

// Packet is one 20 ms Opus packet.
type Packet struct {
	Seq     uint32 // one more than the previous packet sent; wraps
	Time    uint32 // sender's sample clock (48 kHz) at the first sample; wraps
	Payload []byte // one Opus packet; the Sender reuses it after send returns
}

// samplesToDuration turns 48 kHz samples into a duration.
func samplesToDuration(n int64) time.Duration {
	return time.Duration(n * 62500 / 3) // 1e9/48000 = 62500/3 ns
}

// Samples per Opus frame at 48 kHz, by the TOC byte's configuration
// number (RFC 6716 §3.1): SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT
// 2.5/5/10/20 ms.
var (
	silkFrame   = [4]int{480, 960, 1920, 2880}
	hybridFrame = [2]int{480, 960}
	celtFrame   = [4]int{120, 240, 480, 960}
)

// opusSamples is the number of samples (at 48 kHz) an Opus packet decodes
// to, from its TOC byte (and frame count byte), without decoding it; 0 if
// the packet is too short to say.
func opusSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	toc := p[0]
	config := toc >> 3
	var frame int
	switch {
	case config < 12:
		frame = silkFrame[config&3]
	case config < 16:
		frame = hybridFrame[config&1]
	default:
		frame = celtFrame[config&3]
	}
	switch toc & 3 {
	case 0:
		return frame
	case 1, 2:
		if len(p) < 2 {
			return 0
		}
		return 2 * frame
	default:
		if len(p) < 2 {
			return 0
		}
		return int(p[1]&0x3f) * frame
	}
}
