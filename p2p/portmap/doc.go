// Package portmap asks the home router to forward a port to this computer,
// with UPnP IGD or NAT-PMP, keeps the forwarding alive while it is wanted,
// and takes it away again when it is not (also when the program ends).
//
// A forwarded port lets the other side dial in directly even when this
// router gives a new port to every destination, where hole punching fails.
//
// It knows nothing of libp2p: it maps (protocol, port) pairs. It must never
// leave a mapping behind on a clean exit, never map a port nobody listens
// on, and never send anything but to the default gateway of this computer's
// own network (SSDP multicast stays on the local link).
package portmap
