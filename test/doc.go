// Package test holds ra-p2p's end-to-end tests: the real ra-p2p binary, run
// in network namespaces that build two home networks behind NAT routers and
// a small "internet" of bootstrap nodes (test/netlab). Nothing users run is
// mocked here. The tests need root; without it they skip and say why, and CI
// (RA_P2P_REQUIRE_ALL=1) turns that skip into a failure.
package test
