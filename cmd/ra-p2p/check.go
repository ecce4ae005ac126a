package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
)

// runCheck is `ra-p2p check`: what this network allows for direct
// connections, in plain sentences, for people who help others (like
// Tailscale's netcheck). It asks the public nodes which address and port
// they see this computer come from.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	var common commonFlags
	common.register(fs)
	timeout := fs.Duration("timeout", 15*time.Second, "how long to wait for the public nodes' answers")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	logger := common.apply(stderr)
	_, bootstrap, err := bootstrapList(common.bootstrap)
	if err != nil {
		return err
	}
	portMapping, err := common.portMapping()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Asking public nodes how they see this computer (up to %s)…\n", timeout.Round(time.Second))
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	report, err := session.NetworkReport(ctx, session.CheckConfig{Bootstrap: bootstrap, Listen: common.listen, PortMapping: portMapping, Logger: logger, Verbose: common.verbose})
	fmt.Fprint(stdout, report)
	return err
}
