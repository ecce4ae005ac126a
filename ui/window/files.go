//go:build !nogui

package window

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/ra-p2p/ra-p2p/internal/portal"
	"github.com/ra-p2p/ra-p2p/render"
)

// setFileButtons sets the window's Send a File and Cancel buttons and its
// file drops (all nil without a file channel). Send a File asks which
// files on a goroutine of the window's and offers them.
func (u *ui) setFileButtons(c *render.Config) {
	if u.cfg.Files == nil {
		return
	}
	send := func(paths []string) {
		if err := u.cfg.Files.Send(paths); err != nil {
			u.w.Post(render.Entry{Text: "Nothing was sent: " + err.Error()})
		}
	}
	c.SendFiles = func() {
		u.bg.Go(func() {
			paths, err := u.chooseFiles(context.Background())
			if err != nil {
				u.w.Post(render.Entry{Text: "Nothing was sent: " + err.Error()})
			}
			if len(paths) > 0 {
				send(paths)
			}
		})
	}
	c.DropFiles = func(paths []string) { u.bg.Go(func() { send(paths) }) }
	c.CancelTransfer = u.cfg.Files.Cancel
}

// chooseFiles asks which files or folders to send: with the desktop's own
// dialog where there is one (desktopDialog), else with the window's own
// chooser. No paths and no error: the user cancelled.
func (u *ui) chooseFiles(ctx context.Context) ([]string, error) {
	home, _ := os.UserHomeDir()
	lines, ran := desktopDialog(ctx, u.cfg.Logger,
		portalAsk{req: portal.Request{Title: "Send a File", AcceptLabel: "Send", Multiple: true, Folder: home}},
		dialogCmd{"zenity", []string{"--file-selection", "--multiple", "--separator=\n", "--title=Send a File", "--filename=" + home + "/"}},
		dialogCmd{"kdialog", []string{"--getopenfilename", home, "--multiple", "--separate-output", "--title", "Send a File"}})
	if ran {
		return lines, nil
	}
	paths, _, err := u.w.ChooseFiles(ctx, "Send a File", home)
	return paths, err
}

// dialogCmd is a desktop program that asks for files (zenity, kdialog) and
// the arguments that make it ask the question wanted.
type dialogCmd struct {
	name string
	args []string
}

// portalAsk is a question for the desktop's portal: a file to open (or
// several), or where to save one.
type portalAsk struct {
	save bool
	req  portal.Request
}

func (a portalAsk) run(ctx context.Context) ([]string, error) {
	if !a.save {
		return portal.OpenFiles(ctx, a.req)
	}
	path, err := portal.SaveFile(ctx, a.req)
	if path == "" {
		return nil, err
	}
	return []string{path}, err
}

// desktopDialog asks with the desktop's own dialog: through its portal
// where one runs, else the first of cmds that is installed, and returns
// the paths chosen (none: the person cancelled). ran is false when there
// is no such dialog or it failed (logged): the caller asks in the window
// instead.
func desktopDialog(ctx context.Context, log *slog.Logger, ask portalAsk, cmds ...dialogCmd) (lines []string, ran bool) {
	paths, err := ask.run(ctx)
	switch {
	case err == nil:
		return paths, true
	case ctx.Err() != nil:
		return nil, true
	case errors.Is(err, portal.ErrNoPortal):
		log.Debug("no desktop portal", "err", err)
	default:
		log.Warn("the desktop portal's file dialog failed; trying another", "err", err)
	}
	for _, d := range cmds {
		if _, err := exec.LookPath(d.name); err != nil {
			continue
		}
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, d.name, d.args...)
		cmd.Stdout = &out
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return nil, true // Cancel
		}
		if err != nil {
			log.Warn("the desktop's dialog failed; asking in the window", "program", d.name, "err", err)
			return nil, false
		}
		return splitLines(out.String()), true
	}
	return nil, false
}

func splitLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
