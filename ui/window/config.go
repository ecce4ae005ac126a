package window

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ra-p2p/ra-p2p/audio"
	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/terminal"
)

// Config is what both roles' windows share.
type Config struct {
	// Mirror is the terminal the window was started from: questions and
	// the history are copied there.
	Mirror *terminal.Terminal
	// Yes answers "connect now?" and "accept this helper?" without asking
	// (--yes); control and files offered are always asked.
	Yes bool
	// Password is a password given without typing it (RA_P2P_PASSWORD),
	// for one attempt, shared with the terminal the window mirrors on; nil:
	// none.
	Password *terminal.GivenPassword
	// GLPane draws the remote screen with OpenGL instead of the X pane
	// (RA_P2P_PANE=gl).
	GLPane bool
	// Check describes the Help page's network check.
	Check session.CheckConfig
	// InvitationBootstrap is the invitation's own list, checked when
	// Check.Bootstrap is empty.
	InvitationBootstrap []string
	Logger              *slog.Logger
	// Files is the session's file channel (Send a File); nil: none.
	Files Files
	// Voice is the session's voice channel (Start Talking); nil: none.
	Voice Voice
	// Quality is the screen quality the helper's window starts with (the
	// config file's); RememberQuality keeps the one chosen in Settings for
	// the next session (nil: it is not kept), its error said in the
	// history. It runs on a goroutine of the window's, one call at a time.
	// The novice's window has neither.
	Quality         screenshare.Quality
	RememberQuality func(screenshare.Quality) error
	// RememberDevices keeps the microphone and speaker chosen in Settings
	// for the next session (nil: they are not kept), as RememberQuality.
	RememberDevices func(microphone, speaker string) error
}

// Files is the file channel as the window drives it.
type Files interface {
	terminal.Files
	// Cancel cancels the transfer with this ID (session.Transfer.ID).
	Cancel(id string)
}

// Voice is the voice channel as the window drives it.
type Voice interface {
	terminal.Voice
	// Levels are the meters while talking, each 0..1.
	Levels() (mine, theirs float64)
	// Devices lists the microphones and speakers there are now;
	// ChosenDevices and SetDevices are the ones calls use (IDs, "" = the
	// system's default).
	Devices() (microphones, speakers []audio.Device, err error)
	ChosenDevices() (microphone, speaker string)
	SetDevices(microphone, speaker string)
}

// networkCheck is the Help page's "Check this network": the check of
// `ra-p2p check` with a host of its own (on random ports: the session's
// are taken), against the session's bootstrap peers (or else the
// invitation's). The terminal keeps a copy.
func (cfg Config) networkCheck() func(context.Context) string {
	return func(ctx context.Context) string {
		report := "The invitation's list of bootstrap peers is unusable, so the network could not be checked."
		check := cfg.Check
		check.Listen, check.Verbose = nil, false
		var err error
		check.Bootstrap, err = session.BootstrapPeers(check.Bootstrap, cfg.InvitationBootstrap)
		if err == nil {
			var text string
			text, err = session.NetworkReport(ctx, check)
			report = text
			if err != nil {
				report += "\n" + err.Error()
			}
		}
		report = strings.TrimSpace(report)
		cfg.Mirror.Println("Network check:\n" + report)
		return report
	}
}
