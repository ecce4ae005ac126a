//go:build linux

// Package netlab builds a small internet with home NAT routers out of Linux
// network namespaces, for end-to-end tests that run the real ra-p2p binary.
//
// Topology (RECIPES.md §A), for Options{Nodes: 2, Homes: {novice, helper}}:
//
//	           ns PREFIX-inet: bridge br0 ("the internet", 203.0.113.0/24)
//	    ┌──────────────┬──────────────┬──────────────────┬──────────────────┐
//	PREFIX-n0      PREFIX-n1      PREFIX-r-novice    PREFIX-r-helper
//	eth0 .10       eth0 .11       wan .100           wan .101
//	                              lan 192.168.1.1    lan 192.168.2.1
//	                                     │                  │
//	                              PREFIX-h-novice    PREFIX-h-helper
//	                              eth0 192.168.1.2   eth0 192.168.2.2
//	                              default via .1     default via .1
//
// PREFIX is "ra<pid>x<n>", unique per Lab and per test process. Interfaces
// are created inside the namespaces (never in the host's namespace), so
// their short names (br0, n0, r0, wan, lan, eth0) never collide.
//
// Public nodes have only their bridge address. Routers have no default route,
// so private addresses never cross the internet. Each router forwards LAN to
// WAN, lets only ESTABLISHED,RELATED back in, drops unsolicited input and
// masquerades on wan:
//
//   - Cone: MASQUERADE. The mapping keeps the local port and is the same for
//     every destination (endpoint-independent mapping); conntrack filtering
//     is still address-and-port dependent, so only peers the home has sent to
//     get in. Two cone homes can hole-punch UDP to each other.
//   - Hard: MASQUERADE --random-fully, a new random port per destination
//     (symmetric NAT).
//
// HomeSpec.UPnP runs Debian's miniupnpd in a router (UPnP IGD on :5000,
// NAT-PMP/PCP on :5351), whatever its NAT kind; Lab.Forwardings lists what
// it forwards. miniupnpd refuses to forward from a documentation-range WAN
// address unless its STUN check says nothing filters in front of it, so a
// lab with a UPnP router also runs stund on the internet (203.0.113.8 and
// .9). HomeSpec.IPv6 (or Options.IPv6 for all) makes a home dual-stack
// behind a stateful IPv6 firewall.
//
// A counting chain ACCT at the top of each router's FORWARD chain tells
// router-to-router bytes from router-to-node bytes (Lab.RouterBytes).
//
// With Options.DelayMS each router holds packets arriving on wan for that
// long, using test/nfdelay on an NFQUEUE in the raw table (the kernel has no
// sch_netem). The delay is one way, so a home's RTT to a node grows by
// DelayMS and home-to-home RTT by twice DelayMS.
//
// Lifetimes: New registers a tb.Cleanup that stops every process the Lab
// started (SIGINT to its process group, SIGKILL after 3 s), kills whatever is
// still inside the Lab's namespaces, closes sockets opened with ListenUDP and
// deletes the namespaces (and with them every veth and the bridge). It runs
// when the test fails or panics too. When the test has failed, the output of
// every process is logged (not after a panic: Go runs cleanups before it
// marks a panicking test failed); each process also has a log file in the
// test's TempDir while the test runs. If a test process dies without running
// cleanups (os.Exit, kill -9, test timeout), its children die with it
// (Pdeathsig) and the next New in any test process deletes namespaces whose
// owner pid no longer exists.
//
// Everything here needs root; New skips the test with "needs root: …"
// otherwise.
package netlab
