//go:build !windows

package capture

import (
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
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
// taken, raises a new event and is copied by the next Grab.
type damageState struct {
	ok      bool // DAMAGE works and we are subscribed
	id      damage.Damage
	region  xfixes.Region // receives the damage at each take; 0: no XFixes regions, every copy is whole
	pending bool          // something was drawn since the last Subtract
}

// watchDamage subscribes conn to the root window's damage at the
// "non-empty" level: one event when it goes from nothing to something.
func watchDamage(conn *xgb.Conn, root xproto.Window) (damage.Damage, error) {
	err := damage.Init(conn)
	if err == nil {
		// DAMAGE requires the client to announce its version first.
		_, err = damage.QueryVersion(conn, 1, 1).Reply()
	}
	var id damage.Damage
	if err == nil {
		id, err = damage.NewDamageId(conn)
	}
	if err == nil {
		err = damage.CreateChecked(conn, id, xproto.Drawable(root), damage.ReportLevelNonEmpty).Check()
	}
	return id, err
}

// start subscribes to the root window's damage and, when XFixes is there
// (haveXFixes: initialised with version ≥ 2), makes the region the damage
// is moved into. Without DAMAGE every Grab copies the whole screen, as
// without the region.
func (d *damageState) start(conn *xgb.Conn, root xproto.Window, haveXFixes bool) {
	var err error
	if d.id, err = watchDamage(conn, root); err != nil {
		slog.Debug("capture: no DAMAGE, every grab copies the screen", "err", err)
		return
	}
	d.ok, d.pending = true, true
	if !haveXFixes {
		slog.Debug("capture: no XFixes, every copy is of the whole screen")
		return
	}
	region, err := xfixes.NewRegionId(conn)
	if err == nil {
		err = xfixes.CreateRegionChecked(conn, region, nil).Check()
	}
	if err != nil {
		slog.Debug("capture: no XFixes region, every copy is of the whole screen", "err", err)
		return
	}
	d.region = region
}

// event handles one X event; it reports whether it was a damage one.
func (d *damageState) event(ev xgb.Event) bool {
	if _, ok := ev.(damage.NotifyEvent); !ok {
		return false
	}
	d.pending = true
	return true
}

// needGrab says whether the screen must be copied: always without DAMAGE.
func (d *damageState) needGrab() bool { return !d.ok || d.pending }

// take empties the damage; it must be sent before the image requests, so
// that the image holds everything it covered. With where set and an
// XFixes region to move the damage into, it also asks for the damaged
// rectangles and reports true: the caller reads the cookie's reply and
// copies what it covers. Otherwise the caller copies the whole screen.
func (d *damageState) take(conn *xgb.Conn, where bool) (xfixes.FetchRegionCookie, bool) {
	if !d.ok {
		return xfixes.FetchRegionCookie{}, false
	}
	d.pending = false
	if !where || d.region == 0 {
		damage.Subtract(conn, d.id, 0, 0)
		return xfixes.FetchRegionCookie{}, false
	}
	damage.Subtract(conn, d.id, 0, d.region)
	return xfixes.FetchRegion(conn, d.region), true
}
