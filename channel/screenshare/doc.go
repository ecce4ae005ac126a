// Package screenshare is the screen channel (/ra-p2p/screen/1.0.0): the
// novice's half (Share) grabs the screen and feeds the screen sender; the
// helper's half (View) runs the screen receiver and hands the newest image
// to the window.
//
// It must never decide who may see the screen (the session accepts the
// helper and takes streams only from them) and never draw: View is a
// source of frames the window pulls.
package screenshare
