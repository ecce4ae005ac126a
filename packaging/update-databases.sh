#!/bin/sh
# Refreshes the desktop's databases after ra-p2p's files were put in place
# or removed: the MIME database (so *.rainvite files and the armor's first
# line are known), the desktop entries' MIME cache (so they open with
# ra-p2p-help.desktop) and the hicolor icon cache (so the new icon shows).
#
#   update-databases.sh DATADIR   after make install / make uninstall (DATADIR: PREFIX/share)
#   as the Debian package's postinst and postrm, dpkg gives it "configure",
#   "remove"… instead of a folder: then DATADIR is /usr/share.
#
# Each step runs only when its tool is installed (without shared-mime-info
# there is no MIME database to refresh). A failed step is reported and the
# others still run, and the script ends well: these are caches that the next
# refresh rebuilds whole, and a failed postrm would keep dpkg from removing
# the package. Debian's shared-mime-info, desktop-file-utils and
# hicolor-icon-theme also refresh /usr/share through dpkg triggers; this does
# not rely on them, so make install under /usr/local and dpkg-based systems
# without those triggers get the same result.
case "$1" in
/*) datadir=$1 ;;
*) datadir=/usr/share ;;
esac

run() {
	"$@" || echo "ra-p2p: '$*' failed; the menu entry or the double-click on invitations may need it run again" >&2
}

if command -v update-mime-database >/dev/null 2>&1 && [ -d "$datadir/mime/packages" ]; then
	run update-mime-database "$datadir/mime"
fi
if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$datadir/applications" ]; then
	run update-desktop-database -q "$datadir/applications"
fi
# An icon cache that exists but misses the new icon hides it (GTK trusts the
# cache); where there is none, GTK reads the folder itself, so none is made.
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$datadir/icons/hicolor/icon-theme.cache" ]; then
	run gtk-update-icon-cache -q -t -f "$datadir/icons/hicolor"
fi
exit 0
