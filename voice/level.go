package voice

import "math"

// Level is the loudness of pcm for a level meter, from 0 (at or below
// −60 dBFS, or empty) to 1 (0 dBFS), linear in decibels of its RMS: the
// meter moves evenly from a whisper to a shout.
func Level(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	rms := rms(pcm) / 32768
	if rms <= 0 {
		return 0
	}
	db := 20 * math.Log10(rms)
	return min(max((db+60)/60, 0), 1)
}

// rms is the root mean square of pcm, in sample units.
func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, v := range pcm {
		f := float64(v)
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(pcm)))
}
