# ra-p2p: the README's commands live here.
export PATH := $(PATH):/usr/local/go/bin

.PHONY: demo test build exe version install uninstall deb bench fuzz soak

# Where make install puts things: $(DESTDIR)$(PREFIX)/bin and /share.
# DESTDIR is a packager's staging folder, prepended to every path and never
# seen by the installed program; PREFIX is where it will live.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(DESTDIR)$(PREFIX)/bin
DATADIR = $(DESTDIR)$(PREFIX)/share
# The icons in packaging/icons (appicon.PackagedSizes; test/install_test.go
# finds any size missing here or in packaging/nfpm.yaml).
ICON_SIZES = 48 128 256
# Where make deb writes the package.
DIST ?= dist
# The package's version: the newest tag v1.2.3 as 1.2.3, with the commits
# since as 1.2.3+4.gabc1234 (after 1.2.3 for dpkg); before the first tag
# 0.0.0+N.gHASH, N the number of commits, so a later build sorts higher.
VERSION ?= $(or $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed -E 's/^v//; s/-([0-9]+)-g/+\1.g/'),\
	$(shell n=$$(git rev-list --count HEAD 2>/dev/null) && h=$$(git rev-parse --short HEAD) && echo 0.0.0+$$n.g$$h),0.0.0)

demo:            ## install everything, then a local demo on loopback (no root needed)
	scripts/install-deps.sh
	scripts/demo.sh

test:            ## the whole test suite (namespace tests need root)
	scripts/test.sh

build:           ## bin/ra-p2p (windows) and bin/ra-p2p-nogui (terminal only; ra-p2p runs it when there is no display)
	go build -o bin/ra-p2p ./cmd/ra-p2p
	go build -tags nogui -o bin/ra-p2p-nogui ./cmd/ra-p2p

exe:             ## $(DIST)/ra-p2p.exe, the Windows build (no cgo), with its icon, version information and manifest (packaging/winres)
	go run ./packaging/winres -version '$(VERSION)' -o cmd/ra-p2p/rsrc_windows_amd64.syso
	mkdir -p $(DIST)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -ldflags='-s -w' -o $(DIST)/ra-p2p.exe ./cmd/ra-p2p

version:         ## the version make deb and make exe write into what they make
	@echo '$(VERSION)'

install: build    ## both binaries into $(PREFIX)/bin (/usr/local/bin), the menu entry, the invitation MIME type and the icon into $(PREFIX)/share
	install -d $(BINDIR)
	install -m 0755 bin/ra-p2p bin/ra-p2p-nogui $(BINDIR)/
	install -D -m 0644 -t $(DATADIR)/applications packaging/ra-p2p.desktop packaging/ra-p2p-help.desktop
	install -D -m 0644 -t $(DATADIR)/mime/packages packaging/ra-p2p-invitation.xml
	for n in $(ICON_SIZES); do \
	  install -D -m 0644 packaging/icons/$${n}x$${n}/ra-p2p.png $(DATADIR)/icons/hicolor/$${n}x$${n}/apps/ra-p2p.png || exit 1; \
	done
	@# A packager's staging folder (DESTDIR) has no databases; the package's own scripts refresh them.
	[ -n "$(DESTDIR)" ] || packaging/update-databases.sh $(DATADIR)

uninstall:       ## removes what make install put in place (same PREFIX and DESTDIR)
	rm -f $(BINDIR)/ra-p2p $(BINDIR)/ra-p2p-nogui
	rm -f $(DATADIR)/applications/ra-p2p.desktop $(DATADIR)/applications/ra-p2p-help.desktop
	rm -f $(DATADIR)/mime/packages/ra-p2p-invitation.xml
	for n in $(ICON_SIZES); do rm -f $(DATADIR)/icons/hicolor/$${n}x$${n}/apps/ra-p2p.png; done
	[ -n "$(DESTDIR)" ] || packaging/update-databases.sh $(DATADIR)

deb: build       ## a Debian package of the same files under /usr, in $(DIST)/ (nfpm, a Go tool of this module)
	mkdir -p $(DIST)
	rm -f $(DIST)/ra-p2p_*.deb
	RA_P2P_VERSION='$(VERSION)' GOARCH=$$(go env GOARCH) go tool nfpm package --config packaging/nfpm.yaml --packager deb --target $(DIST)/

bench:           ## benchmarks as a table (namespace benchmarks need root)
	scripts/bench.sh

fuzz:            ## every fuzz target for a minute each (FUZZTIME=10s for less)
	scripts/fuzz.sh

soak:            ## one session for an hour with everything moving: RSS and goroutines over time (RA_P2P_SOAK=10m for less)
	go test -run '^$$' -bench Soak -benchtime 1x -timeout 3h -v ./test/soak/ | grep -E 'BENCHROW|soak_test|ok|FAIL'
