package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/humansize"
	"github.com/ra-p2p/ra-p2p/stream"
)

// EventKind says what an Event is.
type EventKind int

const (
	// EventProgress is a step on the way ("Looking for Alice's computer…").
	EventProgress EventKind = iota
	// EventStatus is a change worth a line in the history ("Screen View
	// Only", "Bob can see your screen.").
	EventStatus
	// EventChat is a chat line from the other side (From, Text).
	EventChat
	// EventControl says where remote control stands now (Control); the
	// windows change their buttons, the history gets EventStatus lines.
	EventControl
	// EventWaiting: the novice can be found and waits for a helper until
	// Expires.
	EventWaiting
	// EventConnected: the session is accepted and runs (Session).
	EventConnected
	// EventEnded: the session is over; Text says why ("Disconnected from
	// Alice"). It is the last event of a session.
	EventEnded
	// EventTransfer: a file transfer started, moved on or ended
	// (Transfer). The one that ends it has Text, for the history.
	EventTransfer
	// EventVoice says where the voice call stands now (Voice); the
	// windows change Start Talking, Mute and the level meter, the history
	// gets EventStatus lines ("Bob started talking", "Voice ended").
	EventVoice
)

// Transfer is where a file transfer stands (EventTransfer).
type Transfer struct {
	ID      string // the same in every event of one transfer
	Sending bool   // this side sends (else receives)
	What    string // "report.pdf", or "3 files (2.4 MB)"
	Done    int64  // bytes that arrived, verified; resumed bytes included
	Total   int64
	Rate    float64 // bytes per second lately (0: not known yet)
	Ended   bool    // the last event of the transfer; Event.Text says how
	// Folder is where received files are (received, ended well).
	Folder string
}

// Detail says how far a running transfer is: "1.2 MB of 2.4 MB · 5.0
// MB/s · 1 s left".
func (t Transfer) Detail() string {
	s := humansize.Bytes(t.Done) + " of " + humansize.Bytes(t.Total)
	if t.Rate > 0 {
		s += " · " + humansize.Bytes(int64(t.Rate)) + "/s"
		left := time.Duration(float64(t.Total-t.Done) / t.Rate * float64(time.Second))
		s += " · " + roughDuration(left) + " left"
	}
	return s
}

// roughDuration is d as a person estimates it: "8 s", "3 min", "2 h 5 min".
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", max(1, int(d.Round(time.Second).Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// ControlState is where remote control stands, as both sides show it.
type ControlState int

const (
	ControlOff    ControlState = iota // screen view only
	ControlAsking                     // the helper asked; the novice is deciding
	ControlOn                         // the helper has control
)

// VoiceState is where the voice call stands, as this side shows it.
type VoiceState int

const (
	VoiceOff     VoiceState = iota // nobody talks: Start Talking
	VoiceCalling                   // this side asked; the other is deciding
	VoiceAsked                     // the other side asked; this side is deciding
	VoiceOn                        // both talk: Stop Talking, Mute, the meter
)

// Event is something the user interface shows. Fields other than Kind and
// Time belong to the kinds that say so.
type Event struct {
	Kind    EventKind
	Time    time.Time
	From    string       // EventChat: the other side's name
	Text    string       // EventProgress, EventStatus, EventChat, EventEnded
	Control ControlState // EventControl
	Voice   VoiceState   // EventVoice
	Expires time.Time    // EventWaiting
	Session *Session     // EventConnected: the session, for the interface to drive
	// EventTransfer: the transfer
	Transfer Transfer
}

// QuestionKind says which question a Question is; each interface words and
// lays it out itself (Text is the standard wording).
type QuestionKind int

const (
	// AskConnect (helper): connect to the computer of the invitation's
	// author now? Peer, Message, Expires describe the invitation.
	AskConnect QuestionKind = iota + 1
	// AskPassword (helper): the invitation's password. Left > 0 after a
	// wrong one: the tries that remain.
	AskPassword
	// AskAcceptHelper (novice): let Peer in? Screen: Peer will see the
	// screen.
	AskAcceptHelper
	// AskAllowControl (novice): let Peer use the mouse and keyboard?
	AskAllowControl
	// AskName (helper): the name Peer will see, asked once (Prompter.Line);
	// Default is offered (the account's full name).
	AskName
	// AskReceiveFiles: save the files Peer offers (Files: what is offered
	// at the top, files and folders, the first few and "…"; Count and
	// Bytes: all the files) in Folder?
	AskReceiveFiles
	// AskAllowMicrophone: Peer wants to talk; allow this computer's
	// microphone (and speaker) for the call?
	AskAllowMicrophone
)

// Question is what a Prompter is asked: a kind and its fields, never a
// sentence to pick apart.
type Question struct {
	Kind    QuestionKind
	Peer    string // the other side's name
	Message string // AskConnect: the invitation's message
	Expires time.Time
	Left    int  // AskPassword: tries left after a wrong password; 0 on the first ask
	Screen  bool // AskAcceptHelper: the helper will see the screen
	// Code (AskAcceptHelper) is the verification code the helper's screen
	// shows (invite.VerificationCode): the novice may ask them to read it.
	Code    string
	Default string // AskName: the answer when the user just confirms
	// AskReceiveFiles: what is offered and where it would go
	Files  []string
	Count  int
	Bytes  int64
	Folder string
}

// Text is the question in the standard wording, as the terminal asks it.
func (q Question) Text() string {
	switch q.Kind {
	case AskConnect:
		return fmt.Sprintf("Do you want to connect to %s's computer now?", q.Peer)
	case AskPassword:
		if q.Left > 0 {
			return fmt.Sprintf("That password is wrong (%d %s left). Password for %s's invitation: ", q.Left, plural(q.Left, "try", "tries"), q.Peer)
		}
		return fmt.Sprintf("Password for %s's invitation: ", q.Peer)
	case AskAcceptHelper:
		what := " wants to connect to your computer"
		if q.Screen {
			what += " and see your screen"
		}
		return q.Peer + what + ". Accept?"
	case AskAllowControl:
		return fmt.Sprintf("%s would like to share control of your computer: %s will be able to use your mouse and keyboard. Press ESC at any time to take control back. Allow?", q.Peer, q.Peer)
	case AskName:
		return fmt.Sprintf("Your name, as %s will see it: ", q.Peer)
	case AskAllowMicrophone:
		return q.Peer + " wants to talk with you. Allow microphone?"
	case AskReceiveFiles:
		names := strings.Join(q.Files, ", ")
		if q.Count == 1 {
			return fmt.Sprintf("%s wants to send you 1 file (%s): %s. It will be saved in %s. Save it?", q.Peer, humansize.Bytes(q.Bytes), names, q.Folder)
		}
		return fmt.Sprintf("%s wants to send you %d files (%s): %s. They will be saved in %s. Save them?",
			q.Peer, q.Count, humansize.Bytes(q.Bytes), names, q.Folder)
	}
	return fmt.Sprintf("question %d", q.Kind)
}

// Caution is what a person should weigh before answering q, said before
// the question in the windows and the terminal alike ("" for most).
func (q Question) Caution() string {
	switch q.Kind {
	case AskConnect:
		return "Open invitations only from people you know and trust."
	case AskAcceptHelper:
		s := ""
		if q.Screen {
			s = q.Peer + " will see everything on your screen, including passwords you type. "
		}
		s += "Only accept if you asked " + q.Peer + " for help yourself: nobody from a bank, shop or software company will ask you to do this."
		if q.Code != "" {
			s += " Ask " + q.Peer + " to read you the code on their screen: it must be " + q.Code + "."
		}
		return s
	}
	return ""
}

// Prompter asks the user. The terminal reads answers from standard input
// (or flags and environment); the windows show dialogs.
type Prompter interface {
	// Confirm asks a yes/no question; no is the safe default.
	Confirm(ctx context.Context, q Question) (bool, error)
	// Password asks for a password without showing it (AskPassword).
	Password(ctx context.Context, q Question) (string, error)
	// Line asks for a line of text (AskName), q.Default offered; "" or an
	// error is no answer.
	Line(ctx context.Context, q Question) (string, error)
}

// UI is a user interface a session runs in: it is asked the questions and
// shown every event, in order (RunHelper, RunNovice).
type UI interface {
	Prompter
	Show(Event)
}

// ExpiryText says when an invitation expires: "at 15:04, in 1h59m" within a
// day, else the date: "on 2026-12-24 at 15:04" (never "in 8761h0m").
func ExpiryText(t time.Time) string {
	d := time.Until(t).Round(time.Minute)
	switch {
	case d < 0:
		return "at " + t.Local().Format("2006-01-02 15:04") + ", already past"
	case d >= 24*time.Hour:
		return "on " + t.Local().Format("2006-01-02") + " at " + t.Local().Format("15:04")
	}
	return fmt.Sprintf("at %s, in %s", t.Local().Format("15:04"), strings.TrimSuffix(d.String(), "0s"))
}

// CleanName is a name from the other side (or an invitation) made safe to
// show: printable, one line, bounded.
func CleanName(s string) string { return stream.CleanName(s) }
