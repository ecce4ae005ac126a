package main

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/terminal"
)

func runHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("help", stderr)
	var common commonFlags
	common.register(fs)
	name := fs.String("name", "", "your `NAME` as the person you help will see it (default: the name you chose when first asked)")
	yes := fs.Bool("yes", false, `answer "yes" to "connect now?" (for scripts)`)
	findTimeout := fs.Duration("find-timeout", 20*time.Second, "how long to look for the other computer")
	noGUI := fs.Bool("no-gui", false, "stay in the terminal instead of opening the Remote Assistance window")
	downloads := filesFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give the invitation: ra-p2p help FILE (or the one-line form starting with rainvite1:)"}
	}
	logger := common.apply(stderr)
	inv, err := session.ReadInvitation(pos[0])
	if err != nil && useGUI(*noGUI) {
		// Opened from a file manager or a mail program: there is no
		// terminal to read the reason in. The home window says it, and
		// offers to open another invitation or paste the line.
		flags := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == pos[0] })
		return homeInWindow(ctx, homeStart{flags: flags, notice: session.UserMessage(err)}, logger)
	}
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
	// --name wins; else the name chosen once (config file); else ask, with
	// the account's full name offered, and remember the answer.
	helperName, askName := *name, false
	if helperName == "" {
		fc, err := loadFileConfig()
		if err != nil {
			return err
		}
		helperName = fc.Name
	}
	if helperName == "" {
		helperName, askName = defaultName(), true
	}
	cfg := session.HelpConfig{
		Invitation: inv, Name: helperName, AskName: askName, Bootstrap: bootstrap, Listen: common.listen, Relays: network.relays, PortMapping: network.portMapping,
		FindTimeout: *findTimeout, Logger: logger,
		RememberName: func(n string) {
			if err := rememberName(n); err != nil {
				logger.Warn("remembering your name", "err", err)
			}
		},
	}
	files, err := fileChannel(*downloads, logger)
	if err != nil {
		return err
	}
	voice, err := voiceChannel(true, logger)
	if err != nil {
		return err
	}
	cfg.Channels = append(cfg.Channels, files, voice)
	given := envPassword()
	t := terminal.New(terminal.Config{In: stdin, Out: stdout, Progress: stderr, Yes: *yes, Password: given, Files: files, Voice: voice})
	if useGUI(*noGUI) {
		wc := windowConfig(t, given, *yes, logger, bootstrap, network.portMapping, inv.Bootstrap)
		wc.Files, wc.Voice = files, voice
		if wc.Quality, err = screenQuality(); err != nil {
			return err
		}
		wc.RememberQuality, wc.RememberDevices = rememberQuality, rememberDevices
		return helpInWindow(ctx, cfg, wc)
	}
	return session.RunHelper(ctx, cfg, t)
}
