//go:build linux

package test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
	"github.com/ra-p2p/ra-p2p/test/soundserver"
)

// talkWorld is the voice tests' set-up: a private PipeWire with a
// microphone and a speaker per side (null sinks: what is played into
// "novice-mic" is what Alice says, "helper-speaker" is what Bob hears),
// two homes behind cone routers holding every packet as link says (its
// DelayMS, JitterMS, Loss), and the env
// of each side's ra-p2p: the sound server, and a config file naming its
// devices.
func talkWorld(t testing.TB, link netlab.Options) (w *world, srv *soundserver.Server, env func(side string) []string) {
	srv = soundserver.Start(t)
	for _, name := range []string{"novice-mic", "novice-speaker", "helper-mic", "helper-speaker"} {
		srv.NullSink(t, name)
	}
	w = newWorld(t, netlab.Options{Nodes: 2, DelayMS: link.DelayMS, JitterMS: link.JitterMS, Loss: link.Loss,
		Homes: []netlab.HomeSpec{{Name: "novice", NAT: netlab.Cone}, {Name: "helper", NAT: netlab.Cone}}})
	env = func(side string) []string {
		dir := t.TempDir()
		cfg := `{"microphone": "pulse:` + side + `-mic.monitor", "speaker": "pulse:` + side + `-speaker"}`
		if err := os.MkdirAll(filepath.Join(dir, "ra-p2p"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "ra-p2p", "config.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return append(srv.Env(), "XDG_CONFIG_HOME="+dir)
	}
	return w, srv, env
}

// voiceLog makes both programs log how the call goes (the jitter buffer
// and the sound device, every few seconds): a failed test prints their
// output, and a call that went quiet under load says where.
var voiceLog = []string{"--verbose"}

// TestTalkAcrossTwoNATs: the real binaries in two homes behind NAT
// routers holding every packet 20 ms (40 ms round trip), a real PipeWire
// for both. Bob types /talk, Alice is asked whether to allow her
// microphone and says yes; speech played into her microphone comes out of
// Bob's speaker and Bob's out of hers, matching what was said (normalized
// correlation ≥ 0.8 after alignment), with the mouth-to-ear delay
// measured on one clock; /mute silences Alice for Bob; Bob's /talk ends the
// call for both.
func TestTalkAcrossTwoNATs(t *testing.T) {
	w, srv, env := talkWorld(t, netlab.Options{DelayMS: 20})
	n := w.startNovice("novice", voiceLog, env("novice"))
	h := w.startHelper("helper", n.file, voiceLog, env("helper"))
	acceptDirect(t, n, h, time.Now(), 30*time.Second)
	mustWait(t, n.proc, `Connected to Bob`, 10*time.Second)
	mustWait(t, h, `/talk starts or stops talking`, 5*time.Second)

	answer(t, h, "/talk")
	mustWait(t, h, `Asking Alice to talk…`, 10*time.Second)
	mustWait(t, n.proc, `Bob wants to talk with you\. Allow microphone\? \[y/N\]`, 20*time.Second)
	answer(t, n.proc, "y")
	mustWait(t, n.proc, `Bob started talking`, 10*time.Second)
	mustWait(t, h, `You started talking with Alice`, 10*time.Second)

	speech := filepath.Join(t.TempDir(), "speech.wav")
	soundserver.Speech(t, "Hello, can you hear me? The printer in the office says it is out of paper, but the tray is full.", speech)
	for _, dir := range []struct{ from, to, what string }{{"novice", "helper", "Alice → Bob"}, {"helper", "novice", "Bob → Alice"}} {
		corr, delay := srv.Heard(t, speech, dir.from+"-mic", dir.to+"-speaker", 0.8)
		t.Logf("%s: correlation %.3f, mouth to ear %v (40 ms round trip)", dir.what, corr, delay.Round(time.Millisecond))
		if corr < 0.8 {
			t.Errorf("%s: the speech did not come through: correlation %.3f < 0.8", dir.what, corr)
		}
		if delay <= 20*time.Millisecond || delay > 400*time.Millisecond {
			t.Errorf("%s: mouth to ear %v: not a call's delay", dir.what, delay)
		}
	}

	answer(t, n.proc, "/mute")
	mustWait(t, n.proc, `Your microphone is muted`, 5*time.Second)
	mustWait(t, h, `Alice muted the microphone`, 10*time.Second)
	if corr, _ := srv.MouthToEar(t, speech, "novice-mic", "helper-speaker"); corr > 0.3 {
		t.Errorf("Bob heard Alice while she was muted: correlation %.3f", corr)
	}
	answer(t, n.proc, "/mute")
	mustWait(t, h, `Alice's microphone is on again`, 10*time.Second)

	answer(t, h, "/talk")
	mustWait(t, h, `Voice ended`, 10*time.Second)
	mustWait(t, n.proc, `Voice ended: Bob stopped talking\.`, 10*time.Second)
	answer(t, h, "still here") // the chat goes on
	mustWait(t, n.proc, `Bob: still here`, 10*time.Second)
}

// TestTalkEchoCancelled: Bob is on loudspeakers; everything his speaker
// plays comes back into his microphone 6 dB lower, as from a laptop's
// speakers into its microphone. Alice talks; what comes
// back to her speaker (her own voice, echoed by Bob's room) must be at
// least 20 dB below her voice, once Bob's echo canceller has heard her
// for a few seconds, in the better of two sentences (echoBelow says why).
func TestTalkEchoCancelled(t *testing.T) {
	second, third := echoCall(t)
	t.Logf("Alice's voice comes back from Bob's room %.1f and %.1f dB below itself", second, third)
	if below := max(second, third); below < 20 {
		t.Errorf("the echo of Alice's voice came back only %.1f dB below it, want at least 20 dB", below)
	}
}

// echoCall is a call with Bob on speakers: his room there before the
// call, Alice calls, Bob allows; it says how far below Alice's voice its
// echo comes back to her, in two sentences (echoBelow).
func echoCall(tb testing.TB) (second, third float64) {
	w, srv, env := talkWorld(tb, netlab.Options{DelayMS: 20})
	srv.Room(tb, "helper-speaker", "helper-mic", -6) // Bob's room
	n := w.startNovice("novice", voiceLog, env("novice"))
	h := w.startHelper("helper", n.file, voiceLog, env("helper"))
	acceptDirect(tb, n, h, time.Now(), 30*time.Second)
	answer(tb, n.proc, "/talk")
	mustWait(tb, h, `Alice wants to talk with you\. Allow microphone\? \[y/N\]`, 20*time.Second)
	answer(tb, h, "y")
	mustWait(tb, n.proc, `You started talking with Bob`, 10*time.Second)

	speech := filepath.Join(tb.TempDir(), "speech.wav")
	soundserver.Speech(tb, "Hello Bob, thank you for helping. When I open the mail program it asks for a password, and then it says the server is not there.", speech)
	return echoBelow(tb, srv, speech)
}

// power is the mean square of samples.
func power(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return sum / float64(max(len(s), 1))
}

// TestTalkOverALossyLink: as TestTalkAcrossTwoNATs, but each router drops
// 5 % of the packets coming in and holds the others 20 ms give or take 20:
// Alice's speech still reaches Bob (correlation ≥ 0.6), the jitter buffer
// and Opus's FEC filling the gaps.
func TestTalkOverALossyLink(t *testing.T) {
	w, srv, env := talkWorld(t, netlab.Options{DelayMS: 20, JitterMS: 20, Loss: 0.05})
	n := w.startNovice("novice", voiceLog, env("novice"))
	h := w.startHelper("helper", n.file, voiceLog, env("helper"))
	acceptDirect(t, n, h, time.Now(), 60*time.Second)
	answer(t, h, "/talk")
	mustWait(t, n.proc, `Bob wants to talk with you\. Allow microphone\? \[y/N\]`, 30*time.Second)
	answer(t, n.proc, "y")
	mustWait(t, h, `You started talking with Alice`, 20*time.Second)
	speech := filepath.Join(t.TempDir(), "speech.wav")
	soundserver.Speech(t, "Hello, can you hear me? The printer in the office says it is out of paper, but the tray is full.", speech)
	corr, delay := srv.Heard(t, speech, "novice-mic", "helper-speaker", 0.6)
	t.Logf("Alice → Bob over 5 %% loss and ±20 ms jitter: correlation %.3f, mouth to ear %v", corr, delay.Round(time.Millisecond))
	if corr < 0.6 {
		t.Errorf("the speech did not come through the lossy link: correlation %.3f < 0.6", corr)
	}
}
