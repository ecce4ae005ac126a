package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/terminal"
)

func runInvite(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("invite", stderr)
	var common commonFlags
	common.register(fs)
	name := fs.String("name", "", "your `NAME` as your helper will see it")
	msg := fs.String("message", "", "a short `TEXT` for your helper (what is wrong)")
	password := fs.Bool("password", false, "protect the invitation with a password you tell your helper another way (asked twice, or RA_P2P_PASSWORD)")
	expires := fs.Duration("expires", 2*time.Hour, "how long the invitation can be used (1m to 720h)")
	out := fs.String("o", "", "write the invitation to `FILE` (default: NAME.rainvite)")
	noControl := fs.Bool("no-control", false, "never let the helper take control of this computer")
	yes := fs.Bool("yes", false, "accept helpers without asking (for scripts)")
	list := fs.Bool("list", false, "list your invitations and exit")
	revoke := fs.String("revoke", "", "revoke the invitation with this `ID` (see --list) and exit")
	resume := fs.String("resume", "", "wait again for a helper with the invitation in `FILE`")
	noGUI := fs.Bool("no-gui", false, "stay in the terminal instead of opening a window")
	downloads := filesFlag(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	logger := common.apply(stderr)
	files, err := fileChannel(*downloads, logger)
	if err != nil {
		return err
	}
	voice, err := voiceChannel(false, logger)
	if err != nil {
		return err
	}
	given := envPassword()
	t := terminal.New(terminal.Config{In: stdin, Out: stdout, Progress: stderr, Yes: *yes, Password: given, Files: files, Voice: voice})
	// Checked before an invitation is made: a typo must not leave one behind.
	network, err := common.sessionNetwork()
	if err != nil {
		return err
	}
	storeDir, err := invite.DefaultStoreDir()
	if err != nil {
		return fmt.Errorf("finding where invitations are kept: %w", err)
	}
	store := invite.Store{Dir: storeDir}

	switch {
	case *list:
		entries, err := store.List()
		if err != nil && !errors.Is(err, invite.ErrDamagedRecord) {
			return fmt.Errorf("listing invitations: %w", err)
		}
		terminal.PrintInvitations(stdout, entries, err)
		return nil
	case *revoke != "":
		if err := store.Revoke(*revoke); err != nil {
			if errors.Is(err, invite.ErrNotFound) {
				return &session.Failure{Message: fmt.Sprintf("There is no invitation %q; `ra-p2p invite --list` shows them.", *revoke), Err: err}
			}
			return err
		}
		t.Println(fmt.Sprintf("Invitation %s is revoked: no helper can use it now. If `ra-p2p invite` is still waiting with it, it turns the next helper away and stops.", *revoke))
		return nil
	}

	bootstrapStrs, bootstrap, err := bootstrapList(common.bootstrap)
	if err != nil {
		return err
	}
	var entry *invite.Entry
	file := *resume
	if file != "" {
		if entry, err = session.ResumeInvitation(store, file); err != nil {
			return err
		}
	} else {
		if strings.TrimSpace(*name) == "" {
			return usageError{"--name is required: the name your helper will see (for example --name Alice)"}
		}
		opts := invite.Options{Name: *name, Message: *msg, TTL: *expires, NoControl: *noControl, Bootstrap: bootstrapStrs}
		if *password {
			if opts.Password, err = t.NewPassword(); errors.Is(err, terminal.ErrNoTerminal) {
				return usageError{"--password needs a terminal to ask for the password, or set RA_P2P_PASSWORD"}
			} else if err != nil {
				return err
			}
		}
		if file = *out; file == "" {
			file = invite.FileName(*name)
		}
		if entry, err = makeInvitation(store, opts, file, t); err != nil {
			return err
		}
	}
	inv := entry.Invitation
	t.Println(fmt.Sprintf("Send %s to your helper; they run: ra-p2p help %s", file, filepath.Base(file)))
	if inv.Password != nil {
		t.Println("Tell your helper the password another way (by phone, for example), never in the same message.")
	}

	cfg := session.NoviceConfig{
		Entry: entry, Store: store, Bootstrap: bootstrap, Listen: common.listen, Logger: logger, Relays: network.relays,
		PortMapping: network.portMapping,
	}
	cfg.Channels = []session.Channel{files, voice}
	if hasDisplay() {
		cfg.Channels = append(cfg.Channels, &screenshare.Share{Log: logger})
	}
	if useGUI(*noGUI) {
		wc := windowConfig(t, given, *yes, logger, bootstrap, network.portMapping, inv.Bootstrap)
		wc.Files, wc.Voice = files, voice
		return inviteInWindow(ctx, cfg, wc)
	}
	return session.RunNovice(ctx, cfg, t)
}

// makeInvitation makes a new invitation: the armored invitation into file
// (never over an existing one), its key into the store, and says so, with
// the one-line form for a chat.
func makeInvitation(store invite.Store, opts invite.Options, file string, t *terminal.Terminal) (*invite.Entry, error) {
	entry, armored, err := invite.Create(store, opts, file)
	switch {
	case errors.Is(err, invite.ErrFileExists):
		return nil, usageError{fmt.Sprintf("%s already exists; choose another name with -o FILE or remove it", file)}
	case errors.Is(err, invite.ErrInvalidOptions):
		return nil, usageError{err.Error()}
	case err != nil:
		return nil, err
	}
	oneLine, err := invite.OneLine(armored)
	if err != nil {
		return nil, fmt.Errorf("making the one-line form: %w", err)
	}
	inv := entry.Invitation
	t.Println(fmt.Sprintf("Invitation %s written to %s (expires %s).", inv.ID(), file, session.ExpiryText(inv.Expires)))
	t.Println("One-line form, for pasting into a chat:")
	t.Println(oneLine)
	return entry, nil
}
