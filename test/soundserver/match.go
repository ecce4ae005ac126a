//go:build linux

package soundserver

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BestLag finds the delay (0..maxLag samples) at which got best matches
// want, and the normalized cross-correlation there: first on 8-sample
// averages (a brute-force search at full rate takes ~10 s here), then at
// full rate around the best coarse lag. Tests compare a recording with
// what was played with it: the lag is the delay, the correlation (1 for
// the same waveform, whatever its level) says how alike they are.
func BestLag(want, got []int16, maxLag int) (int, float64) {
	const k = 8
	coarseLag, _ := search(decimate(want, k), decimate(got, k), 0, maxLag/k)
	return search(decimate(want, 1), decimate(got, 1), max(0, coarseLag*k-2*k), coarseLag*k+2*k)
}

func search(want, got []float64, from, to int) (int, float64) {
	best, bestCorr := from, math.Inf(-1)
	for lag := from; lag <= to && lag < len(got); lag++ {
		n := min(len(want), len(got)-lag)
		var xy, xx, yy float64
		for i, x := range want[:n] {
			y := got[i+lag]
			xy += x * y
			xx += x * x
			yy += y * y
		}
		if xx == 0 || yy == 0 {
			continue
		}
		if c := xy / math.Sqrt(xx*yy); c > bestCorr {
			best, bestCorr = lag, c
		}
	}
	return best, bestCorr
}

// decimate averages blocks of k samples (k = 1: a copy as float64).
func decimate(s []int16, k int) []float64 {
	out := make([]float64, len(s)/k)
	for i := range out {
		var sum float64
		for _, v := range s[i*k : i*k+k] {
			sum += float64(v)
		}
		out[i] = sum / float64(k)
	}
	return out
}

// Aligned is the normalized correlation of got with want after the
// alignment a jitter buffer needs: got is first aligned as a whole (lag,
// from BestLag), then each block of want (100 ms at 48 kHz) is matched at
// its best lag within slack samples of the block before, as a receiver
// that drops or adds 10 ms of sound to keep its delay flat shifts what
// follows. Blocks where want pauses are left out. Lags are the block lags
// found, for a log.
func Aligned(want, got []int16, lag, block, slack int) (corr float64, lags []int) {
	const quiet = 30 // RMS of a pause in want: -60 dBFS
	w, g := decimate(want, 1), decimate(got, 1)
	var xy, xx, yy float64
	cur := lag
	for start := 0; start+block <= len(w); start += block {
		var energy float64
		for _, x := range w[start : start+block] {
			energy += x * x
		}
		if energy < float64(block)*quiet*quiet {
			continue // a pause: nothing to align on (the lag would wander)
		}
		bestC, bestL := math.Inf(-1), cur
		var bx, bxx, byy float64
		for l := cur - slack; l <= cur+slack; l++ {
			if start+l < 0 || start+l+block > len(g) {
				continue
			}
			var sxy, sxx, syy float64
			for i := range block {
				x, y := w[start+i], g[start+l+i]
				sxy += x * y
				sxx += x * x
				syy += y * y
			}
			c := sxy
			if sxx > 0 && syy > 0 {
				c = sxy / math.Sqrt(sxx*syy)
			}
			if c > bestC {
				bestC, bestL, bx, bxx, byy = c, l, sxy, sxx, syy
			}
		}
		if math.IsInf(bestC, -1) {
			break
		}
		cur = bestL
		lags = append(lags, bestL)
		xy, xx, yy = xy+bx, xx+bxx, yy+byy
	}
	if xx == 0 || yy == 0 {
		return 0, lags
	}
	return xy / math.Sqrt(xx*yy), lags
}

var probes atomic.Int32 // names the probe sinks apart

// Heard is MouthToEar, measured once more when the correlation is below
// want (and said so). A probe's sinks, made for a call's first
// measurement, reconfigure the sound server's graph and may jolt the
// call's streams while the sentence plays (docs/DESIGN.md, "The echo in a
// real call"); on a busy machine that has left 0.15 and 0.62 of a
// sentence. A call that does not carry the voice falls short both times.
func (s *Server) Heard(tb testing.TB, speech, mic, speaker string, want float64) (corr float64, delay time.Duration) {
	tb.Helper()
	corr, delay = s.MouthToEar(tb, speech, mic, speaker)
	if corr < want {
		tb.Logf("%s → %s: correlation %.3f, mouth to ear %v; measuring again", mic, speaker, corr, delay)
		corr, delay = s.MouthToEar(tb, speech, mic, speaker)
	}
	return corr, delay
}

// MouthToEar plays speech into the microphone sink mic and records, on
// one clock, what that microphone heard (left) and what the speaker sink
// played (right): the delay between them is a call's mouth to ear (sound
// servers and device buffers included, paplay's start excluded), and
// their correlation after a jitter buffer's alignment (Aligned) says
// whether the speech came through. RA_P2P_KEEP_SOUND=DIR keeps the
// recordings there.
func (s *Server) MouthToEar(tb testing.TB, speech, mic, speaker string) (corr float64, delay time.Duration) {
	tb.Helper()
	probe := fmt.Sprintf("probe%d-%s-%s", probes.Add(1), mic, speaker)
	s.StereoNullSink(tb, probe)
	s.Link(tb, mic+":monitor_MONO", probe+":playback_FL")
	s.Link(tb, speaker+":monitor_MONO", probe+":playback_FR")
	rec := filepath.Join(tb.TempDir(), probe+".wav")
	stop := s.RecordChannels(context.Background(), tb, probe+".monitor", rec, 2)
	// A new sink, link or stream reconfigures the sound server's graph,
	// which jolts the streams already running (a call's jitter buffer
	// then grows for a while): let it settle before the speech.
	time.Sleep(time.Second)
	s.Play(tb, speech, mic)
	time.Sleep(500 * time.Millisecond) // the tail through the buffers
	stop()
	if d := os.Getenv("RA_P2P_KEEP_SOUND"); d != "" {
		os.Link(rec, filepath.Join(d, probe+".wav"))
	}
	chans, rate := ReadWAVChannels(tb, rec)
	mouth, ear := chans[0], chans[1]
	lag, _ := BestLag(mouth, ear, rate/2)
	corr, _ = Aligned(mouth, ear, lag, rate/10, rate/50)
	return corr, time.Duration(lag) * time.Second / time.Duration(rate)
}
