// Command ra-p2p is peer-to-peer remote assistance: `ra-p2p invite` on the
// computer that needs help, `ra-p2p help FILE` on the helper's, `ra-p2p node`
// for a self-hosted bootstrap node. This file only dispatches; each command
// wires packages together in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"slices"
	"strings"
	"syscall"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/internal/quietx"
	"github.com/ra-p2p/ra-p2p/internal/quitwatch"
	_ "github.com/ra-p2p/ra-p2p/internal/timerslack/coarse" // a millisecond of timer slack: far fewer wake-ups
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/p2p/portmap"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/terminal"
	"github.com/ra-p2p/ra-p2p/ui/window"
)

const usage = `ra-p2p: remote help between two computers, directly, with no account and no server.

  ra-p2p                         (on a display) the home window: ask for help or give it
  ra-p2p invite --name NAME [--message TEXT] [--password] [--expires 2h] [-o FILE]
                                 make an invitation and wait for your helper
  ra-p2p invite --list           show your invitations
  ra-p2p invite --revoke ID      stop an invitation from being used
  ra-p2p invite --resume FILE    wait again for a helper with a still-valid invitation
  ra-p2p help FILE|LINE          help the person who sent you the invitation
  ra-p2p node                    run a bootstrap node (DHT, AutoNAT, hole-punch coordination)
  ra-p2p check                   say what this network allows for direct connections
  ra-p2p --unregister            (Windows) invitation files no longer open with ra-p2p; --register undoes it

Run "ra-p2p COMMAND -h" for a command's options.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "--register" || args[0] == "--unregister") {
		return exitCode("ra-p2p", runRegistration(args[0] == "--register", stdout), stderr)
	}
	var registered string
	if len(args) == 0 || args[0] != "node" {
		registered = registerInvitationFiles(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	if onlyFlags(args) && useGUI(false) {
		// From the app menu: the home window, no terminal. Flags given
		// (--bootstrap, --verbose…) go on to the command it runs next.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		level := slog.LevelWarn
		if slices.Contains(args, "--verbose") || slices.Contains(args, "-verbose") {
			level = slog.LevelInfo
		}
		if err := homeInWindow(ctx, homeStart{flags: args, notice: registered}, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))); err != nil {
			fmt.Fprintln(stderr, session.UserMessage(err))
			return 1
		}
		return 0
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if registered != "" {
		fmt.Fprintln(stderr, registered)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer quitwatch.Watch(ctx, stderr, quitwatch.Grace, os.Exit)()
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "invite":
		err = runInvite(ctx, rest, stdin, stdout, stderr)
	case "help":
		err = runHelp(ctx, rest, stdin, stdout, stderr)
	case "node":
		err = runNode(ctx, rest, stdout, stderr)
	case "check":
		err = runCheck(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "ra-p2p: unknown command %q.\n\n%s", cmd, usage)
		return 2
	}
	return exitCode("ra-p2p "+cmd, err, stderr)
}

// exitCode says err to the user, if any, and returns the process's exit
// code: 2 for a mistake in the command line (named after what), 1 for
// any other failure.
func exitCode(what string, err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\n", what, ue.msg)
		return 2
	default:
		fmt.Fprintln(stderr, session.UserMessage(err))
		return 1
	}
}

// homeStart is how the home window opens: flags that go on to the
// command it runs next, and a notice to show first (why an invitation
// opened from a file could not be used).
type homeStart struct {
	flags  []string
	notice string
}

// onlyFlags says whether args hold no command: nothing, or flags only
// (not a request for usage).
func onlyFlags(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "-h" || a == "--help" || a == "-help" {
			return false
		}
	}
	return true
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commonFlags are understood by every command.
type commonFlags struct {
	verbose   bool
	testnet   bool
	bootstrap stringList
	listen    stringList
	relay     stringList
	portMap   string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.verbose, "verbose", false, "log what happens on the network (to stderr)")
	fs.BoolVar(&c.testnet, "testnet", false, "") // hidden: treat documentation address ranges as public (namespace tests)
	fs.Var(&c.bootstrap, "bootstrap", "bootstrap peer `ADDR` with /p2p/ID (repeatable; default: the invitation's, the config file's, or the public DHT)")
	fs.Var(&c.relay, "relay", "a relay `ADDR` of your own (a node run with --relay-sessions) that may carry the session when no direct connection is possible; both sides must give it (repeatable)")
	fs.StringVar(&c.portMap, "port-mapping", "auto", "ask the router to forward a port for direct connections: `auto` (UPnP IGD or NAT-PMP, whichever answers), upnp, nat-pmp or off")
	fs.Var(&c.listen, "listen", "listen `ADDR` (repeatable; default: QUIC and TCP on IPv4 and IPv6, random ports)")
}

// sessionNetwork is what --relay and --port-mapping chose for a session.
type sessionNetwork struct {
	relays      []peer.AddrInfo
	portMapping portmap.Method
}

func (c *commonFlags) sessionNetwork() (sessionNetwork, error) {
	relays, err := c.relays()
	if err != nil {
		return sessionNetwork{}, err
	}
	pm, err := c.portMapping()
	return sessionNetwork{relays: relays, portMapping: pm}, err
}

// portMapping is --port-mapping, checked.
func (c *commonFlags) portMapping() (portmap.Method, error) {
	m, err := portmap.ParseMethod(c.portMap)
	if err != nil {
		return "", usageError{"--port-mapping: " + err.Error()}
	}
	return m, nil
}

// apply sets up logging and the test-network switch; call after parsing.
func (c *commonFlags) apply(stderr io.Writer) *slog.Logger {
	if c.testnet {
		p2p.EnableTestnetRanges()
	}
	level := slog.LevelError
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	if c.verbose { // the X library's messages: quiet otherwise (quietx)
		quietx.SetLogger(slog.NewLogLogger(logger.Handler(), slog.LevelDebug))
	}
	return logger
}

type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// parseInterspersed lets flags follow positional arguments
// ("ra-p2p help alice.rainvite --yes").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ra-p2p "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of ra-p2p %s:\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage == "" {
				return // hidden
			}
			kind, usage := flag.UnquoteUsage(f)
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-" // -o, as it is written
			}
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && !strings.Contains(usage, "default") {
				usage += " (default " + f.DefValue + ")"
			}
			if kind != "" {
				kind = " " + kind
			}
			fmt.Fprintf(stderr, "  %s%s%s\n    \t%s\n", dash, f.Name, kind, usage)
		})
	}
	return fs
}

func newInfoLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// windowConfig is what a window needs from the command line and the
// environment: t is the terminal the window mirrors its history on, given
// the password RA_P2P_PASSWORD gave it (one attempt for both), bootstrap
// and portMapping what the command already read.
func windowConfig(t *terminal.Terminal, given *terminal.GivenPassword, yes bool, logger *slog.Logger,
	bootstrap []peer.AddrInfo, portMapping portmap.Method, invBootstrap []string) window.Config {
	return window.Config{Mirror: t, Yes: yes, Password: given, Logger: logger, InvitationBootstrap: invBootstrap,
		Check: session.CheckConfig{Bootstrap: bootstrap, PortMapping: portMapping, Logger: logger}}
}

// envPassword is RA_P2P_PASSWORD, when set: a password given without
// typing it, kept out of ps, for one attempt.
func envPassword() *terminal.GivenPassword {
	return terminal.NewGivenPassword(os.Getenv("RA_P2P_PASSWORD"))
}

// defaultName is the helper's name when --name is not given: the
// account's full name, else the login name.
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

// relays parses --relay: the user's own relays, an explicit choice.
func (c *commonFlags) relays() ([]peer.AddrInfo, error) {
	if len(c.relay) == 0 {
		return nil, nil
	}
	infos, err := p2p.ParseAddrInfos(c.relay)
	if err != nil {
		return nil, usageError{"--relay: " + err.Error()}
	}
	return infos, nil
}
