package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
)

func runHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("help", stderr)
	var common commonFlags
	common.register(fs)
	name := fs.String("name", "", "your `NAME` as the person you help will see it (default: your login name)")
	yes := fs.Bool("yes", false, `answer "yes" to "connect now?" (for scripts)`)
	findTimeout := fs.Duration("find-timeout", 20*time.Second, "how long to look for the other computer")
	noGUI := fs.Bool("no-gui", false, "stay in the terminal instead of opening the Remote Assistance window")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give the invitation: ra-p2p help FILE (or the one-line form starting with rainvite1:)"}
	}
	logger := common.apply(stderr)
	t := newTerminal(stdin, stdout, *yes)

	inv, err := readInvitation(pos[0])
	if err != nil {
		return err
	}
	_, bootstrap, err := bootstrapList(common.bootstrap)
	if err != nil {
		return err
	}
	network, err := common.sessionNetwork()
	if err != nil {
		return err
	}
	invName := stream.CleanName(inv.Name)
	helperName := *name
	if helperName == "" {
		helperName = defaultName()
	}
	cfg := session.HelpConfig{
		Invitation: inv, Name: helperName, Bootstrap: bootstrap, Listen: common.listen, Relays: network.relays, PortMapping: network.portMapping,
		FindTimeout: *findTimeout, Logger: logger,
	}
	if useGUI(*noGUI) {
		return helpInWindow(ctx, cfg, *yes, t)
	}
	t.println(fmt.Sprintf("Invitation from %s (expires %s).", invName, whenExpires(inv.Expires)))
	if m := strings.TrimSpace(inv.Message); m != "" {
		t.println(fmt.Sprintf("%s says: %q", invName, m))
	}
	ok, err := t.Confirm(ctx, fmt.Sprintf("Do you want to connect to %s's computer now?", invName))
	if err != nil || !ok {
		return &session.Failure{Message: "Not connecting. Run the same command again when you are ready.", Err: errors.New("helper said no")}
	}
	cfg.Prompter, cfg.Progress = t, t.progress
	s, err := session.Help(ctx, cfg)
	if err != nil {
		return err
	}
	logger.Info("session connection", "conn", s.ConnInfo())
	t.println(s.ConnectionText())
	t.chat(ctx, s)
	return nil
}

// readInvitation reads a file, or takes the one-line form itself.
func readInvitation(arg string) (*invite.Invitation, error) {
	var data []byte
	if strings.HasPrefix(strings.TrimSpace(arg), "rainvite") {
		data = []byte(arg)
	} else {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, &session.Failure{Message: fmt.Sprintf("Could not read the invitation %s: %v.", arg, errors.Unwrap(err)), Err: err}
		}
		data = b
	}
	inv, err := invite.Parse(data, time.Now())
	if err != nil {
		return nil, explainInvitationError(err, arg)
	}
	return inv, nil
}

func explainInvitationError(err error, what string) error {
	var msg string
	switch {
	case errors.Is(err, invite.ErrExpired):
		msg = "This invitation has expired. Ask for a new one."
	case errors.Is(err, invite.ErrDamaged):
		msg = "This invitation is damaged (it was changed or cut on the way). Ask for it again, as a file attachment if you can."
	case errors.Is(err, invite.ErrTampered):
		msg = "This invitation was altered after it was made, so it cannot be trusted. Ask for a new one, by another channel if you can."
	case errors.Is(err, invite.ErrUnsupportedVersion):
		msg = "This invitation was made by a newer version of ra-p2p. Update ra-p2p and try again."
	default:
		msg = "This is not a readable ra-p2p invitation. Ask for it again."
	}
	return &session.Failure{Message: msg, Err: err}
}

func defaultName() string {
	if u, err := user.Current(); err == nil {
		if n := strings.TrimSpace(strings.Split(u.Name, ",")[0]); n != "" {
			return n
		}
		if u.Username != "" {
			return u.Username
		}
	}
	return "Your helper"
}
