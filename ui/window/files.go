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
// dialog where one is installed (zenity, kdialog), else with the window's
// own chooser. No paths and no error: the user cancelled.
func (u *ui) chooseFiles(ctx context.Context) ([]string, error) {
	home, _ := os.UserHomeDir()
	lines, ran := desktopDialog(ctx, u.cfg.Logger,
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

// desktopDialog runs the first of cmds that is installed and returns the
// lines it printed (none: the person cancelled). ran is false when none is
// installed or it failed (logged): the caller asks in the window instead.
func desktopDialog(ctx context.Context, log *slog.Logger, cmds ...dialogCmd) (lines []string, ran bool) {
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
