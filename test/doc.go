// Package test holds ra-p2p's end-to-end tests: the real ra-p2p binary, run
// in network namespaces that build two home networks behind NAT routers and
// a small "internet" of bootstrap nodes (test/netlab). Nothing users run is
// mocked here. The tests need root; without it they skip and say why, and CI
// (RA_P2P_REQUIRE_ALL=1) turns that skip into a failure.
//
// The tests that need only namespaces (no display, no sound server) call
// t.Parallel: Go runs them after the others, a few at a time (go test
// -parallel), while the tests that drive windows run one at a time, since a
// click or a key can be lost on two loaded cores. Each network test builds
// its own lab (test/netlab names its namespaces per process and lab), so
// they share nothing but the binary.
package test
