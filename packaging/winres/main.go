// Command winres writes ra-p2p.exe's Windows resources as an object file
// that go build links into the Windows build of cmd/ra-p2p (make exe): the
// icon (internal/appicon's picture, drawn at each size Explorer asks for,
// not scaled from one), the version information Explorer shows under
// Properties → Details, and the application manifest.
//
//	go run ./packaging/winres -version 1.2.3+4.gabc1234 -o cmd/ra-p2p/rsrc_windows_amd64.syso
//
// It uses tc-hib/winres, the library of the go-winres tool. The object is
// written beside and renamed into place, so that a build running at the
// same time links either the old one or the new one, never half of one.
// It writes nothing but that object, and it never runs at build time by
// itself: a version baked in unasked would be a stale one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/ra-p2p/ra-p2p/internal/appicon"
	"github.com/tc-hib/winres"
	"github.com/tc-hib/winres/version"
)

// iconSizes are the sizes Windows picks from: 16 and 32 for lists and
// title bars (24 and 48 at 150 %), 64 and 256 for large views.
var iconSizes = []int{256, 64, 48, 32, 24, 16}

func main() {
	ver := flag.String("version", "", "the version, as the Makefile's VERSION: 1.2.3, 1.2.3+4.gabc1234 or 0.0.0+N.gHASH")
	out := flag.String("o", "", "the object file to write (name it rsrc_windows_amd64.syso in cmd/ra-p2p)")
	flag.Parse()
	if err := write(*ver, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

func write(ver, out string) error {
	if out == "" {
		return errors.New("-o is required")
	}
	fixed, err := fileVersion(ver)
	if err != nil {
		return err
	}
	rs, err := resources(ver, fixed)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".winres-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := rs.WriteObject(tmp, winres.ArchAMD64); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// resources is the resource set of ra-p2p.exe at version ver.
func resources(ver string, fixed [4]uint16) (*winres.ResourceSet, error) {
	rs := &winres.ResourceSet{}
	var images []image.Image
	for _, n := range iconSizes {
		images = append(images, appicon.Draw(n))
	}
	icon, err := winres.NewIconFromImages(images)
	if err != nil {
		return nil, fmt.Errorf("making the icon: %w", err)
	}
	// The first icon group is the one Explorer shows for the file (and
	// what DefaultIcon's ",0" of fileassoc names).
	if err := rs.SetIcon(winres.Name("APP"), icon); err != nil {
		return nil, err
	}
	vi := version.Info{FileVersion: fixed, ProductVersion: fixed}
	for key, value := range map[string]string{
		version.ProductName:      "ra-p2p",
		version.FileDescription:  "ra-p2p Remote Assistance",
		version.Comments:         "Peer-to-peer remote assistance: no account, no server in between.",
		version.CompanyName:      "The ra-p2p developers",
		version.LegalCopyright:   "The ra-p2p developers",
		version.InternalName:     "ra-p2p",
		version.OriginalFilename: "ra-p2p.exe",
		version.ProductVersion:   ver,
		version.FileVersion:      ver,
	} {
		if err := vi.Set(version.LangDefault, key, value); err != nil {
			return nil, err
		}
	}
	rs.SetVersionInfo(vi)
	rs.SetManifest(winres.AppManifest{
		// The screen is captured in real pixels: without this, on a
		// screen scaled to 150 % GDI hands a program that is not aware of
		// it a scaled-down picture and scaled pointer positions.
		DPIAwareness: winres.DPIPerMonitorV2,
		// A normal user's rights: no elevation prompt, ever.
		ExecutionLevel: winres.AsInvoker,
		LongPathAware:  true,
	})
	return rs, nil
}

// versionPattern is the Makefile's VERSION: a tag's 1.2.3, then +N.gHASH
// for N commits after it.
var versionPattern = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)(?:\+(\d+)\.g[0-9a-f]+)?$`)

// fileVersion is the four numbers Windows compares versions by: the tag's
// three and the commits after it.
func fileVersion(ver string) ([4]uint16, error) {
	m := versionPattern.FindStringSubmatch(ver)
	if m == nil {
		return [4]uint16{}, fmt.Errorf("version %q is not 1.2.3 or 1.2.3+4.gabc1234", ver)
	}
	var v [4]uint16
	for i, s := range m[1:] {
		if s == "" {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return v, fmt.Errorf("version %q: %s is more than Windows keeps in a version number (65535)", ver, s)
		}
		v[i] = uint16(n)
	}
	return v, nil
}
