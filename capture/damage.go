package capture

import (
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
)

// damageState follows what the X server drew (the DAMAGE extension, as
// x11vnc does), so that a screen where nothing was drawn is not copied and
// compared at all: an idle or slowly changing screen then costs one round
// trip per Grab instead of a full-screen copy and diff.
//
// The report level is "non-empty": one event when the damage goes from
// nothing to something; Grab empties it (Subtract) in the same request
// batch as the image, before it, so whatever is drawn after the image was
// taken raises a new event.
type damageState struct {
	ok      bool // DAMAGE works and we are subscribed
	id      damage.Damage
	pending bool // something was drawn since the last Subtract
}

// start subscribes to the root window's damage. Without DAMAGE every Grab
// copies the screen, as before.
func (d *damageState) start(conn *xgb.Conn, root xproto.Window) {
	err := damage.Init(conn)
	if err == nil {
		// DAMAGE requires the client to announce its version first.
		_, err = damage.QueryVersion(conn, 1, 1).Reply()
	}
	if err == nil {
		d.id, err = damage.NewDamageId(conn)
	}
	if err == nil {
		err = damage.CreateChecked(conn, d.id, xproto.Drawable(root), damage.ReportLevelNonEmpty).Check()
	}
	if err != nil {
		slog.Debug("capture: no DAMAGE, every grab copies the screen", "err", err)
		return
	}
	d.ok, d.pending = true, true
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

// repair empties the damage (queued before the image request, so the
// image holds everything it covered).
func (d *damageState) repair(conn *xgb.Conn) {
	if d.ok {
		damage.Subtract(conn, d.id, 0, 0)
		d.pending = false
	}
}
