// Package xpane draws the remote screen straight into an X11 child window
// of the helper's window with PutImage, the way VNC viewers draw, instead
// of through the window's OpenGL context.
//
// Why: on computers without a GPU driver (virtual machines, remote
// desktops, this project's test machines) OpenGL is Mesa's software
// renderer, and drawing a 1280x800 remote screen through it for every
// update cost 1.3 cores and ~100 ms of latency in the screen benchmark.
// PutImage of the changed tiles costs a few per cent of a core, and the
// pane can be updated from the goroutine that received the frame, without
// waking the window's game loop.
//
// The child window selects no input events, so the pointer and keyboard
// events over it reach the parent window as before (X propagates them).
// It is only used while the remote screen is drawn at 100% (the sender
// scales to the pane in fit mode) and nothing is drawn over the pane;
// otherwise the caller hides it and draws with OpenGL.
//
// It must never read input, talk to the network, or draw anything but the
// remote screen and its pointer.
package xpane
