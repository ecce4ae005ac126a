package render

import (
	"image/color"
	"math"
	"time"

	euiimage "github.com/ebitenui/ebitenui/image"
	"github.com/ebitenui/ebitenui/widget"
	"github.com/hajimehoshi/ebiten/v2"
)

// VoiceState is where the voice call stands, as the window shows it.
type VoiceState int

const (
	VoiceOff     VoiceState = iota // Start Talking
	VoiceCalling                   // this side asked: Stop Talking withdraws it
	VoiceAsked                     // the other side asked: the question is open
	VoiceOn                        // both talk: Stop Talking, Mute, the meters
)

// VoiceConfig wires the voice buttons. Its callbacks run on the game
// goroutine and must not block.
type VoiceConfig struct {
	// Talk is Start Talking and Stop Talking; nil: the button is disabled,
	// with Unavailable as its tooltip.
	Talk        func()
	Unavailable string
	// Mute mutes (true) or opens this side's microphone.
	Mute func(muted bool)
	// Levels are the meters while talking, each 0..1 on a decibel scale
	// (-60 dBFS and below is 0, full scale 1, as sound meters show it):
	// this side's microphone as the other side hears it, and the speaker.
	Levels func() (mine, theirs float64)
}

// voiceControls are the panel's voice widgets (game goroutine).
type voiceControls struct {
	talk, mute   *widget.Button
	row          *widget.Container // the meters, shown while talking
	mine, theirs *widget.ProgressBar
	shown        VoiceState
	muted        bool
	levels       [2]int // the meters' values shown, to redraw only on a change
	waking       bool   // meterLoop runs (under the panel's mu)
}

// SetPeerName names the other side once it is known (the novice's window
// starts with "your helper"): the voice meters are labelled with it.
func (p *panel) SetPeerName(name string) { p.update(func() { p.peerNameSet = name }) }

// SetVoice changes the voice state shown.
func (p *panel) SetVoice(v VoiceState) {
	start := false
	p.update(func() {
		p.voiceSet = v
		start = v == VoiceOn && !p.voice.waking
		p.voice.waking = p.voice.waking || start
	})
	if start {
		p.bg.Go(p.meterLoop)
	}
}

// meterLoop wakes the window while talking so that the meters move: the
// window draws only when something changed, and the sound levels change
// without telling it. It ends with the call or the window.
func (p *panel) meterLoop() {
	t := time.NewTicker(meterInterval)
	defer t.Stop()
	for {
		select {
		case <-p.bgCtx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		on := p.voiceSet == VoiceOn
		if !on {
			p.voice.waking = false
		}
		p.mu.Unlock()
		if !on {
			return
		}
		ebiten.ScheduleFrame()
	}
}

// meterInterval is how often the meters are read while talking.
const meterInterval = 50 * time.Millisecond

// newVoiceControls makes Start Talking, and the row shown under the
// buttons while talking: Mute and the meters.
func (p *panel) newVoiceControls() (talk *widget.Button) {
	st, vc := p.style, &p.voice
	reason := ""
	if p.cfg.Voice.Talk == nil {
		reason = p.cfg.Voice.Unavailable
		if reason == "" {
			reason = notYet
		}
	}
	vc.talk = st.newButton("Start Talking", func() {
		if p.cfg.Voice.Talk != nil {
			p.cfg.Voice.Talk()
		}
	}, reason)
	vc.mute = st.newButton("Mute", func() {
		vc.muted = !vc.muted
		if p.cfg.Voice.Mute != nil {
			p.cfg.Voice.Mute(vc.muted)
		}
		p.applyVoice()
	}, "")
	vc.mute.GetWidget().MinWidth = 78 // room for "Unmute" as for "Mute"
	meter := func() *widget.ProgressBar {
		return widget.NewProgressBar(
			widget.ProgressBarOpts.WidgetOpts(widget.WidgetOpts.MinSize(60, 10),
				// A thin bar, centred on the row: stretched to the
				// button's height it looked like a text box.
				widget.WidgetOpts.LayoutData(widget.GridLayoutData{VerticalPosition: widget.GridLayoutPositionCenter, MaxHeight: 10})),
			widget.ProgressBarOpts.Images(
				&widget.ProgressBarImage{Idle: euiimage.NewBorderedNineSliceColor(color.NRGBA{0xe5, 0xe7, 0xeb, 0xff}, color.NRGBA{0xb8, 0xbc, 0xc4, 0xff}, 1)},
				&widget.ProgressBarImage{Idle: euiimage.NewNineSliceColor(color.NRGBA{0x22, 0xa0, 0x5a, 0xff})}),
			widget.ProgressBarOpts.Values(0, meterSteps, 0))
	}
	vc.mine, vc.theirs = meter(), meter()
	vc.row = widget.NewContainer(widget.ContainerOpts.Layout(widget.NewGridLayout(
		widget.GridLayoutOpts.Columns(5), widget.GridLayoutOpts.Spacing(6, 0),
		widget.GridLayoutOpts.Stretch([]bool{false, false, true, false, true}, nil))))
	p.applyVoice()
	return vc.talk
}

// meterSteps is how finely a meter moves: enough to see speech, few
// enough that silence does not redraw the panel every frame.
const meterSteps = 20

// meterValue maps a level (0..1, already on a decibel scale: see
// VoiceConfig.Levels) to the meter's steps.
func meterValue(level float64) int {
	return int(math.Round(max(0, min(1, level)) * meterSteps))
}

// applyVoice sets the voice widgets for the state shown (game goroutine).
func (p *panel) applyVoice() {
	vc := &p.voice
	if vc.talk == nil {
		return
	}
	v := vc.shown
	if !p.connectedNow {
		v = VoiceOff
	}
	label := "Start Talking"
	if v == VoiceCalling || v == VoiceOn {
		label = "Stop Talking"
	}
	vc.talk.SetText(label)
	vc.talk.GetWidget().Disabled = p.cfg.Voice.Talk == nil || !p.connectedNow || v == VoiceAsked
	vc.mute.SetText(map[bool]string{false: "Mute", true: "Unmute"}[vc.muted])
	vc.mute.GetWidget().Disabled = p.cfg.Voice.Mute == nil || v != VoiceOn
	talking := len(vc.row.Children()) > 0
	if (v == VoiceOn) != talking {
		vc.row.RemoveChildren()
		if v == VoiceOn {
			st := p.style
			label := func(text string) *widget.Text {
				l := st.newLabel(text, &st.small, st.dim)
				l.MaxWidth = 80
				l.GetWidget().LayoutData = widget.GridLayoutData{VerticalPosition: widget.GridLayoutPositionCenter,
					MaxHeight: int(st.small.Metrics().HAscent + st.small.Metrics().HDescent + 2)}
				return l
			}
			vc.row.AddChild(vc.mute, label("You"), vc.mine, label(p.peerNameNow), vc.theirs)
		}
		vc.levels = [2]int{}
		vc.mine.SetCurrent(0)
		vc.theirs.SetCurrent(0)
		p.left.RequestRelayout()
	}
}

// updateVoice takes a new voice state and moves the meters (game
// goroutine); true when something shown changed.
func (p *panel) updateVoice(set VoiceState) bool {
	vc := &p.voice
	if vc.talk == nil {
		return false
	}
	changed := false
	if set != vc.shown {
		vc.shown = set
		p.applyVoice()
		changed = true
	}
	if vc.shown == VoiceOn && p.connectedNow && p.cfg.Voice.Levels != nil {
		mine, theirs := p.cfg.Voice.Levels()
		l := [2]int{meterValue(mine), meterValue(theirs)}
		if vc.muted {
			l[0] = 0
		}
		if l != vc.levels {
			vc.levels = l
			vc.mine.SetCurrent(l[0])
			vc.theirs.SetCurrent(l[1])
			changed = true
		}
	}
	return changed
}
