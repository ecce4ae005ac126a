//go:build linux

// Package wine runs ra-p2p's Windows build under Wine, on a test's own X
// display, for the tests of issue 16 ("the novice on Windows, proven under
// Wine against a Linux helper").
//
// A Kit is made once per test process (from TestMain): it builds the
// Windows executables a test asks for (GOOS=windows, CGO_ENABLED=0, as
// ra-p2p.exe ships), builds the bcryptprimitives.dll stand-in from
// testdata/bcryptprimitives.c with x86_64-w64-mingw32-gcc (Wine 8.0 lacks
// the DLL that Go's Windows runtime loads at start; RECIPES §G), and boots
// one Wine prefix (wineboot -i, about 20 s) as a template. Each test then
// gets a prefix of its own, a copy of the template with the stand-in in
// system32, and runs programs in it on its display with WINEDEBUG=-all and
// WINEDLLOVERRIDES=bcryptprimitives=n.
//
// Wine comes from Debian 12's wine64 package (8.0), whose loader is
// /usr/lib/wine/wine64 (the wine wrapper script is in the 32-bit package,
// which is not needed). scripts/install-deps.sh installs it and
// gcc-mingw-w64-x86-64. Without them a test skips, saying why, or fails
// when RA_P2P_REQUIRE_ALL=1 (CI).
//
// It must never leave anything running: every Wine process of a test's
// prefix is ended with the prefix's wineserver (wineserver -k, then
// waited for) when the test ends, and the programs a test starts run in
// process groups of their own, which are killed too. It never touches a
// prefix other than its own (no ~/.wine).
package wine
