package voicecall

import (
	"fmt"
	"time"

	"github.com/ra-p2p/ra-p2p/audio"
	"github.com/ra-p2p/ra-p2p/voice"
)

// A call that breaks up is told, not left for the people to guess at:
// each statsEvery the call compares what its sound device handled with the
// time that passed (a busy computer's device falls behind, and the other
// side hears pieces), and how much of the other side's voice had to be
// made up because it was not there in time. Each says so once when it
// starts and once when it is over, with hysteresis so a spell near the
// line is not told ten times.
const (
	deviceBehind = 0.80 // the device handled under 80 % of the time: behind
	deviceClear  = 0.95
	voiceBroken  = 0.20 // over 20 % of the other side's voice made up: breaking up
	voiceClear   = 0.05
)

// healthSample is what the call's counters said at one moment.
type healthSample struct {
	at        time.Time
	frames    int64  // the device's 10 ms frames so far; -1: not known (not an audio.Duplex)
	concealed uint64 // the receiver's 10 ms frames made up (voice.ReceiverStats.Concealed)
}

// callHealth keeps the last sample and which spells are on.
type callHealth struct {
	last       healthSample
	behind     bool
	breakingUp bool
}

func newCallHealth(first healthSample) *callHealth { return &callHealth{last: first} }

// deviceFrames is the device's frame count, or -1 when it keeps none.
func deviceFrames(dev Device) int64 {
	if st, ok := deviceStats(dev); ok {
		return st.Frames
	}
	return -1
}

func sampleOf(dev Device, st voice.ReceiverStats, at time.Time) healthSample {
	return healthSample{at: at, frames: deviceFrames(dev), concealed: st.Concealed}
}

// update takes the next sample and returns what to tell this side's
// person (nothing, mostly), about this computer and about peer's voice.
func (h *callHealth) update(now healthSample, peer string) (messages []string) {
	prev := h.last
	h.last = now
	elapsed := now.at.Sub(prev.at)
	if elapsed <= 0 {
		return nil
	}
	wasBehind := h.behind
	if now.frames >= 0 && prev.frames >= 0 {
		handled := float64(now.frames-prev.frames) * float64(audio.FrameSamples) / audio.SampleRate / elapsed.Seconds()
		switch {
		case !h.behind && handled < deviceBehind:
			h.behind = true
			messages = append(messages, fmt.Sprintf("This computer is not keeping up with the sound: it handled %d %% of it in the last %d seconds, so %s hears you break up. Closing other programs may help.",
				percent(handled), int(elapsed.Round(time.Second).Seconds()), peer))
		case h.behind && handled >= deviceClear:
			h.behind = false
			messages = append(messages, "This computer keeps up with the sound again.")
		}
	}
	if wasBehind || h.behind {
		// This computer's own hang makes the other side's sound late too
		// (and the jitter buffer finds its feet again after it): blaming
		// the other side or the connection would send the person looking
		// in the wrong place.
		return messages
	}
	madeUp := float64(now.concealed-prev.concealed) * voice.FrameSamples / voice.SampleRate / elapsed.Seconds()
	switch {
	case !h.breakingUp && madeUp > voiceBroken:
		h.breakingUp = true
		messages = append(messages, fmt.Sprintf("%s's voice is breaking up: %d %% of it did not arrive in time in the last %d seconds (%s's computer or the connection is not keeping up).",
			peer, percent(madeUp), int(elapsed.Round(time.Second).Seconds()), peer))
	case h.breakingUp && madeUp < voiceClear:
		h.breakingUp = false
		messages = append(messages, peer+"'s voice comes through again.")
	}
	return messages
}

func percent(f float64) int { return int(min(max(f, 0), 1)*100 + 0.5) }
