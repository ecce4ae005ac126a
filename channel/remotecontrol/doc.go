// Package remotecontrol is the control channel (/ra-p2p/control/1.0.0):
// the helper's half (Helper) asks for control, gives it back and sends the
// helper's input; the novice's half (Novice) runs the consent flow — ask
// the novice, decide, tell the helper, take control back on ESC or Stop
// Control — around control.Gate, which alone lets input through to the
// injector.
//
// It must never inject anything itself (only the gate does, and only once
// the novice said yes) and never ask the novice anything but through the
// session's Prompter.
package remotecontrol
