//go:build !windows

package capture

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ra-p2p/ra-p2p/internal/x11sync"
)

// damageState follows what the X server drew (the DAMAGE extension, as
// x11vnc does), so that a screen where nothing was drawn is not copied and
// compared at all, and a screen where something was drawn is copied and
// compared only where it was.
//
// The report level is "non-empty": one event when the damage goes from
// nothing to something, so a busy screen costs one event per Grab, not one
// per drawing. The damage's rectangles are asked when they are needed:
// Grab moves the damage into an XFixes region (Subtract) and fetches that
// region, then copies what it covers. The Subtract comes before the image
// requests, so whatever is drawn after it, even while the image is being
// taken, raises a new event and is copied by the next Grab. All of it is on
// the Grabber's synchronous connection, whose events Grab reads in order
// with its replies.
type damageState struct {
	ok      bool // DAMAGE works and we are subscribed
	ext     x11sync.Extension
	xfixes  x11sync.Extension
	id      uint32
	region  uint32 // receives the damage at each take; 0: no XFixes regions, every copy is whole
	pending bool   // something was drawn since the last Subtract
}

// damageReportNonEmpty is DAMAGE's report level "non-empty".
const damageReportNonEmpty = 3

// watchDamage subscribes conn to root's damage at the "non-empty" level:
// one event when it goes from nothing to something.
func watchDamage(conn *x11sync.Conn, root uint32) (ext x11sync.Extension, id uint32, err error) {
	ext, ok, err := conn.Extension("DAMAGE")
	if err == nil && !ok {
		err = errors.New("the X server has no DAMAGE extension")
	}
	if err == nil {
		// DAMAGE requires the client to announce its version first.
		_, _, err = conn.QueryVersion(ext, 1, 1)
	}
	if err == nil {
		id, err = conn.NewID()
	}
	if err != nil {
		return ext, 0, err
	}
	conn.DamageCreate(ext, id, root, damageReportNonEmpty)
	return ext, id, nil
}

// xfixesOn announces the client's XFixes version on conn (XFixes refuses
// other requests until then); version 2 is needed for regions and cursor
// events.
func xfixesOn(conn *x11sync.Conn) (x11sync.Extension, error) {
	ext, ok, err := conn.Extension("XFIXES")
	if err != nil {
		return ext, err
	}
	if !ok {
		return ext, errors.New("the X server has no XFIXES extension")
	}
	major, _, err := conn.QueryVersion(ext, 4, 0)
	if err == nil && major < 2 {
		err = fmt.Errorf("XFIXES %d is too old: regions need 2", major)
	}
	return ext, err
}

// start subscribes to the root window's damage and, with XFixes, makes the
// region the damage is moved into. Without DAMAGE every Grab copies the
// whole screen, as without the region.
func (d *damageState) start(conn *x11sync.Conn, root uint32) {
	var err error
	if d.ext, d.id, err = watchDamage(conn, root); err != nil {
		slog.Debug("capture: no DAMAGE, every grab copies the screen", "err", err)
		return
	}
	d.ok, d.pending = true, true
	if d.xfixes, err = xfixesOn(conn); err == nil {
		d.region, err = conn.NewID()
	}
	if err != nil {
		slog.Debug("capture: no XFixes region, every copy is of the whole screen", "err", err)
		d.region = 0
		return
	}
	conn.CreateRegion(d.xfixes, d.region)
}

// event handles one X event; it reports whether it was a damage one.
func (d *damageState) event(ev []byte) bool {
	if !d.ok || ev[0]&0x7f != d.ext.FirstEvent {
		return false
	}
	d.pending = true
	return true
}

// needGrab says whether the screen must be copied: always without DAMAGE.
func (d *damageState) needGrab() bool { return !d.ok || d.pending }

// take empties the damage; it must be queued before the image requests,
// so that the image holds everything it covered. With where set and an
// XFixes region to move the damage into, it also asks for the damaged
// rectangles and reports true: the caller reads the cookie's reply and
// copies what it covers. Otherwise the caller copies the whole screen.
func (d *damageState) take(conn *x11sync.Conn, where bool) (x11sync.Cookie, bool) {
	if !d.ok {
		return 0, false
	}
	d.pending = false
	if !where || d.region == 0 {
		conn.DamageSubtract(d.ext, d.id, 0)
		return 0, false
	}
	conn.DamageSubtract(d.ext, d.id, d.region)
	return conn.FetchRegion(d.xfixes, d.region), true
}
