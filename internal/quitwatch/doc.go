// Package quitwatch ends a program that hangs on its way out: once told to
// quit, it may take a grace period to say goodbye to its peer and remove
// its port mappings; after that the process exits, and says where every
// goroutine was, so that the hang can be found and fixed (a window title
// set after the window's loop had ended was found this way).
//
// It must never end a program that was not told to quit, nor one that
// finished in time.
package quitwatch
