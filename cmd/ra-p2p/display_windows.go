package main

// On Windows the program runs on the session's desktop: there is always a
// screen to share and windows can always be opened.

func hasDisplay() bool { return true }

func canOpenWindows() bool { return true }
