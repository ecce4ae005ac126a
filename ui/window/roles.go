//go:build !nogui

package window

import (
	"context"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
)

// RunHelper runs the helper's side in the Remote Assistance window: the
// novice's screen on the right, Take Control, chat. The window runs on
// this (main) goroutine until the user closes it.
func RunHelper(ctx context.Context, hc session.HelpConfig, cfg Config) error {
	inv := hc.Invitation
	name := session.CleanName(inv.Name)
	u := newUI(cfg)
	view := &screenshare.View{Log: cfg.Logger}
	ctl := &remotecontrol.Helper{Log: cfg.Logger}
	hc.Channels = append(hc.Channels, view)
	var w *render.HelperWindow
	rcfg := render.HelperConfig{
		Config: render.Config{Title: "Remote Assistance — " + name, PeerName: name,
			CheckNetwork: cfg.networkCheck(), Send: u.send, Disconnect: u.disconnect},
		PaneSize: view.SetPaneSize, GLPane: cfg.GLPane, RequestControl: ctl.Request, Input: ctl.Input,
		ReleaseControl: func() {
			w.SetControl(render.ControlOff) // at once: the pane stops sending input
			ctl.Release()
		},
		ConnectionLine: connectionLine(view.Link),
	}
	if inv.NoControl {
		rcfg.RequestControl = nil
		rcfg.ControlUnavailable = name + " turned off remote control for this invitation."
	} else {
		hc.Channels = append(hc.Channels, ctl)
	}
	u.setFileButtons(&rcfg.Config)
	u.setVoiceButtons(&rcfg.Config)
	u.setSettings(&rcfg, view, name)
	w, err := render.NewHelper(rcfg)
	if err != nil {
		return err
	}
	u.w = w
	view.Updated = w.RemoteChanged
	u.onConnected = func() { w.SetSource(view) }
	return u.run(ctx, func(ctx context.Context) error { return session.RunHelper(ctx, hc, u) },
		func(string) string { return "Could not connect to " + name }, true)
}

// RunNovice waits for the helper and runs the session in the novice's
// window. ctl, when not nil, is the novice's control channel (one of
// nc.Channels): the window's Stop Control stops it.
func RunNovice(ctx context.Context, nc session.NoviceConfig, cfg Config, ctl *remotecontrol.Novice) error {
	u := newUI(cfg)
	rcfg := render.NoviceConfig{Config: render.Config{
		Title: "Remote Assistance — waiting for your helper", PeerName: "your helper",
		Width: 420, Height: 640, CheckNetwork: cfg.networkCheck(), Send: u.send, Disconnect: u.disconnect,
	}}
	if ctl != nil {
		rcfg.StopControl = ctl.Stop
	}
	u.setFileButtons(&rcfg.Config)
	u.setVoiceButtons(&rcfg.Config)
	w, err := render.NewNovice(rcfg)
	if err != nil {
		return err
	}
	u.w = w
	return u.run(ctx, func(ctx context.Context) error { return session.RunNovice(ctx, nc, u) },
		func(msg string) string { return msg }, false)
}
