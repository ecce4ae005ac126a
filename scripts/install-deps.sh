#!/usr/bin/env bash
# Installs everything ra-p2p needs on a bare Debian machine: Debian packages
# for the tests (network namespaces, NAT, conntrack) and the Go modules.
# Idempotent; needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

pkgs=(
  iproute2 iptables conntrack procps psmisc ca-certificates git make gcc pkg-config   # network tests, build
  libx11-dev libgl1-mesa-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev  # Ebiten windows
  xvfb xdotool imagemagick x11-apps x11-utils xterm xauth                            # headless window tests
  fonts-noto-core fonts-droid-fallback fonts-symbola                                 # the windows' text: symbols, CJK, emoji (render/fonts.go)
  xclip                                                                              # the windows' copy and paste (render/clipboard.go)
  libxtst-dev                                                                        # control: robotgo (XTEST); it also uses libx11-dev and libxi-dev above
  libturbojpeg0-dev                                                                  # screen codec: JPEG tiles with libjpeg-turbo
  libspeexdsp-dev                                                                    # voice: echo cancellation and noise suppression with speexdsp (audio/echo)
  libopus-dev libopusfile-dev                                                        # voice: Opus through github.com/hraban/opus (cgo; its stream.go needs libopusfile)
  tigervnc-scraping-server tigervnc-viewer x11vnc                                    # screen-latency benchmark peers
  miniupnpd-nftables stun-server nftables                                            # UPnP IGD / NAT-PMP routers in the NAT tests
  shared-mime-info desktop-file-utils xdg-utils                                      # make install: the invitation MIME type, menu entry, double-click (test/install_test.go)
  dbus-daemon xdg-desktop-portal xdg-desktop-portal-gtk                              # Send a File: the desktop's file dialog through its portal (internal/portal, test/files_portal_test.go)
  libfile-mimeinfo-perl libglib2.0-bin                                               # how xdg-mime reads that database outside GNOME and KDE (xdg-utils recommends it; else it asks file(1), which knows no .rainvite) and in GNOME, Xfce, MATE (gio)
  pipewire pipewire-pulse wireplumber pipewire-bin dbus-daemon pulseaudio-utils       # voice tests: a private headless PipeWire with null sinks, paplay/parec (test/soundserver); audio/ reaches it through libpulse (malgo dlopens it)
  espeak-ng sox                                                                      # voice tests: real speech, resampled to 48 kHz (test/soundserver.Speech, voice, audio/echo)
  wine64 gcc-mingw-w64-x86-64                                                        # the Windows build under Wine 8.0 (test/wine), and the bcryptprimitives.dll stand-in it needs (RECIPES §G)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then export PATH=$PATH:/usr/local/go/bin
  else echo "Go is not installed: install Go 1.26 (https://go.dev/dl/) and run this again." >&2; exit 1; fi
fi
echo "Downloading Go modules…"
go mod download
