// Package p2p owns ra-p2p's libp2p side: the host (QUIC + TCP, Noise, hole
// punching, a relay client used only to coordinate hole punches), the
// Kademlia DHT (client at home, server in `ra-p2p node`), discovery of a
// novice through a provider record, the rule that session streams only run
// over direct connections, a view of how the home router maps ports, and the
// bootstrap node.
//
// It must never know about screens, chat, files or invitations: callers hand
// it keys, peer IDs and protocol IDs. Session streams are never opened over a
// relayed (limited) connection; the only protocols allowed there are the
// tiny NAT-report protocol used to explain a failed hole punch (see
// natreport.go) and the birthday punch's coordination (punch.go). Their
// wire formats are in stream/traversal; p2p never imports the app
// protocols (root stream, stream/screen).
package p2p
