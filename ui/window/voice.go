//go:build !nogui

package window

import (
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
)

// setVoiceButtons wires Start Talking, Mute and the meters to the voice
// channel; without one, or on a computer that cannot talk, Start Talking
// stays disabled with the reason as its tooltip.
func (u *ui) setVoiceButtons(c *render.Config) {
	v := u.cfg.Voice
	if v == nil {
		c.Voice.Unavailable = "Talking is not possible in this session."
		return
	}
	if err := v.Available(); err != nil {
		c.Voice.Unavailable = "You cannot talk from this computer: " + err.Error()
		return
	}
	c.Voice.Talk = func() {
		if v.State() == session.VoiceOff {
			v.Start()
		} else {
			v.Stop()
		}
	}
	c.Voice.Mute = v.SetMuted
	c.Voice.Levels = v.Levels
}
