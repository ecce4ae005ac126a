// Package xshm is an MIT-SHM segment shared with the X server: the screen
// capture reads the server's pixels through one (GetImage straight into
// it), the helper's X pane gives it pixels through one (PutImage from it),
// so that neither copies whole images through the X socket nor builds a
// request buffer for them.
//
// It must never be used for a display that is not on this machine (a
// segment id means nothing to a remote server, and may even name someone
// else's segment there): Usable says whether it may.
package xshm
