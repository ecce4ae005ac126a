// Package depcheck keeps ra-p2p's dependencies pointing one way (DESIGN.md
// §2, STYLE.md): each package lists the imports it must never have, each
// with the reason, in the manner of Tailscale's tstest/deptest. It holds only
// this test.
package depcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const module = "github.com/ra-p2p/ra-p2p"

// Reasons shared by several rules.
const (
	wireOnly     = "stream and its subpackages are wire formats over an io.Reader/io.Writer, tested over net.Pipe; libp2p streams are plugged in by their callers"
	noScreens    = "p2p is the network only and must never know about screens, chat or files"
	noAppProtos  = "p2p must never import app protocols: callers hand it keys, peer IDs and protocol IDs"
	inviteIsData = "an invitation is inert data: invite must never touch the network"
	thinMain     = "cmd is the thin main that wires packages together; nothing imports it"
	noDrawing    = "session must never draw anything: it hands the UI events and questions"
	channelsPlug = "the session knows no channel: screens, control (and next files, voice) plug in as session.Channel values"
	channelsDont = "a channel never draws or reads a terminal: it asks through the session's Prompter and tells through its events"
	uiOnly       = "the windows and the terminal adapt a session to a person; nothing below them knows of them"

	desktopIsShared = "desktop is the domain types every layer shares: it imports the standard library only, so that any package can use it"
	appIconAlone    = "the icon is drawn for the windows (render) and written as PNGs for packaging by a tool that must build without Ebiten and cgo"
	chooserLogic    = "the file chooser's logic (listing, sizes, the path line) is tested where there is no display: render's own tests cannot run there, Ebiten opens the display when it loads"
)

// shared are the ra-p2p packages every package may import, leaves
// included: the domain types (what a frame, a view, a cursor and an input
// event are) and how a number of bytes is said.
var shared = []string{module + "/desktop", module + "/internal/humansize"}

// stdOnly lists the packages that may import the standard library only, and
// none of it that uses cgo.
var stdOnly = map[string]string{
	"desktop":            desktopIsShared + "; without cgo it builds and tests anywhere",
	"internal/appicon":   appIconAlone,
	"render/folder":      chooserLogic,
	"internal/humansize": "sizes are said the same way everywhere, by packages that may import the standard library only too",
}

// rules maps a package (relative to the module) to the imports it must not
// have, directly or not. A key ending in "/..." forbids a path and everything
// under it, as in go list patterns. A package may always import its own
// subpackages, and every package may import the shared ones (above).
var rules = map[string]map[string]string{
	"desktop": {
		module + "/...":                     desktopIsShared,
		"github.com/libp2p/...":             desktopIsShared,
		"github.com/hajimehoshi/ebiten/...": desktopIsShared,
		"github.com/go-vgo/robotgo/...":     desktopIsShared,
	},
	"internal/appicon": {
		module + "/...": appIconAlone,
	},
	"fileassoc": {
		module + "/...":                     "registering invitation files is a leaf of its own: cmd decides when, the registry (or nothing, on Linux) is all it knows",
		"github.com/libp2p/...":             "registering invitation files never touches the network",
		"github.com/hajimehoshi/ebiten/...": "registering invitation files never draws: cmd says what it did",
	},
	"internal/xshm": {
		module + "/...":                     "the shared-memory segment is a leaf that capture and the X pane share",
		"github.com/libp2p/...":             "the shared-memory segment is X's business, never the network's",
		"github.com/hajimehoshi/ebiten/...": "the shared-memory segment is X's business, not the window toolkit's",
	},
	"stream": {
		"github.com/libp2p/...":             wireOnly + " (so not even go-libp2p/core)",
		module + "/p2p":                     wireOnly,
		module + "/session":                 "session uses stream, not the other way",
		"github.com/hajimehoshi/ebiten/...": "stream decodes frames; drawing them is render's job",
		"github.com/go-vgo/robotgo/...":     "stream carries control events; injecting them is control's job, behind the consent gate",
		module + "/cmd/...":                 thinMain,
	},
	"stream/screen": {
		"github.com/libp2p/...":             wireOnly,
		module + "/capture":                 "the screen sender takes desktop.Frames; grabbing them is the caller's job",
		module + "/control":                 "the screen protocol shows the screen; control is another protocol and another consent",
		module + "/stream":                  "the screen protocol is its own package beside the session, chat and control protocols; it shares only stream/framing",
		"github.com/hajimehoshi/ebiten/...": "stream/screen decodes frames; drawing them is render's job",
		"github.com/go-vgo/robotgo/...":     wireOnly,
		module + "/cmd/...":                 thinMain,
	},
	"stream/framing": {
		module + "/...":                     "framing is the framing every protocol shares; it knows no protocol and imports no other ra-p2p package",
		"github.com/libp2p/...":             wireOnly,
		"github.com/hajimehoshi/ebiten/...": wireOnly,
		"github.com/go-vgo/robotgo/...":     wireOnly,
	},
	"stream/files": {
		module + "/...":                     "the file protocol's wire format shares only stream/framing with the other protocols; files, names and disks are transfer's",
		"github.com/libp2p/...":             wireOnly,
		"github.com/hajimehoshi/ebiten/...": wireOnly,
		"github.com/go-vgo/robotgo/...":     wireOnly,
		"os/exec":                           wireOnly,
	},
	"stream/talk": {
		module + "/...":                     "the voice protocol's wire format shares only stream/framing with the other protocols; codecs, devices and the jitter buffer are voice's and audio's",
		"github.com/libp2p/...":             wireOnly + " (datagrams are bytes; the channel sends them)",
		"github.com/hajimehoshi/ebiten/...": wireOnly,
		"github.com/go-vgo/robotgo/...":     wireOnly,
		"os/exec":                           wireOnly,
	},
	"stream/traversal": {
		module + "/...":                     "traversal is the punch and NAT-report formats p2p speaks; it imports no other ra-p2p package, so p2p can use it",
		"github.com/libp2p/...":             wireOnly + " (p2p plugs its libp2p streams in)",
		"github.com/multiformats/...":       wireOnly + " (addresses are strings on the wire; p2p parses them)",
		"github.com/hajimehoshi/ebiten/...": wireOnly,
		"github.com/go-vgo/robotgo/...":     wireOnly,
	},
	"p2p": {
		module + "/stream":                  noAppProtos,
		module + "/stream/screen":           noAppProtos,
		module + "/session":                 noAppProtos,
		module + "/invite":                  noAppProtos + "; invitations are session's business",
		module + "/cmd/...":                 thinMain,
		"github.com/hajimehoshi/ebiten/...": noScreens,
		"github.com/go-vgo/robotgo/...":     noScreens,
	},
	"invite": {
		module + "/p2p":                            inviteIsData,
		module + "/stream":                         "invite is below stream and session; they use it",
		module + "/session":                        "invite is below session; session uses it",
		module + "/cmd/...":                        thinMain,
		"net/http/...":                             inviteIsData,
		"github.com/libp2p/go-libp2p/core/host":    inviteIsData + " (only core/crypto and core/peer are needed)",
		"github.com/libp2p/go-libp2p/core/network": inviteIsData + " (only core/crypto and core/peer are needed)",
		"github.com/libp2p/go-libp2p/p2p/...":      inviteIsData,
		"github.com/libp2p/go-libp2p-kad-dht/...":  inviteIsData,
	},
	"session": {
		module + "/cmd/...":                 thinMain + "; session is shared by the terminal UI and the windows",
		module + "/ui/...":                  uiOnly,
		module + "/render/...":              noDrawing,
		module + "/channel/...":             channelsPlug,
		module + "/capture":                 channelsPlug,
		module + "/control":                 channelsPlug,
		module + "/stream/screen":           channelsPlug,
		"github.com/hajimehoshi/ebiten/...": noDrawing,
		"github.com/go-vgo/robotgo/...":     channelsPlug,
		"golang.org/x/term":                 "session must never read a terminal: every question goes through Prompter",
	},
	"channel/screenshare": {
		module + "/cmd/...":                 thinMain,
		module + "/ui/...":                  uiOnly,
		module + "/render/...":              channelsDont,
		module + "/control":                 "showing the screen gives no control: that is another channel and another consent",
		"github.com/hajimehoshi/ebiten/...": channelsDont,
		"github.com/go-vgo/robotgo/...":     "showing the screen gives no control: that is another channel and another consent",
		"golang.org/x/term":                 channelsDont,
	},
	"channel/remotecontrol": {
		module + "/cmd/...":                 thinMain,
		module + "/ui/...":                  uiOnly,
		module + "/render/...":              channelsDont,
		module + "/capture":                 "control moves the pointer and types; seeing the screen is the screen channel's",
		module + "/stream/screen":           "control moves the pointer and types; seeing the screen is the screen channel's",
		"github.com/hajimehoshi/ebiten/...": channelsDont,
		"golang.org/x/term":                 channelsDont,
	},
	"channel/filetransfer": {
		module + "/cmd/...":                 thinMain,
		module + "/ui/...":                  uiOnly,
		module + "/render/...":              channelsDont,
		module + "/control":                 "sending files gives no control: that is another channel and another consent",
		module + "/capture":                 "sending files shows no screen",
		"github.com/hajimehoshi/ebiten/...": channelsDont,
		"github.com/go-vgo/robotgo/...":     "sending files gives no control: that is another channel and another consent",
		"golang.org/x/term":                 channelsDont,
	},
	"transfer": {
		module + "/...":                     "transfer sends and saves files over any stream: it uses the file protocol (stream/files) and nothing else of ra-p2p; the channel plugs in the stream and asks the person",
		"github.com/libp2p/...":             "transfer works over any stream with deadlines (tested over TCP loopback and net.Pipe); channel/filetransfer plugs a libp2p stream in",
		"github.com/hajimehoshi/ebiten/...": "transfer never draws: progress goes to a callback the window or the terminal words",
		"github.com/ebitenui/...":           "transfer never draws: progress goes to a callback the window or the terminal words",
		"github.com/go-vgo/robotgo/...":     "transfer moves files, nothing else",
		"golang.org/x/term":                 "transfer never reads a terminal: accepting an offer is the person's decision, asked by the channel",
		"os/exec":                           "transfer runs no programs: a received file is inert data, never opened",
	},
	"ui/terminal": {
		module + "/cmd/...":                 thinMain,
		module + "/render/...":              "the terminal is the windowless interface: it is what ra-p2p-nogui runs",
		module + "/channel/...":             "the terminal words the session's events and questions; channels are wired by cmd",
		"github.com/hajimehoshi/ebiten/...": "the terminal is the windowless interface: it is what ra-p2p-nogui runs",
		"github.com/go-vgo/robotgo/...":     "the terminal is the windowless interface: it is what ra-p2p-nogui runs",
	},
	"ui/window": {
		module + "/cmd/...": thinMain,
	},
	"render": {
		"github.com/libp2p/...": "render draws and maps clicks; it must never import libp2p",
		module + "/stream/...":  "render draws desktop.Views and hands out desktop.Events; wire formats are its callers' business",
		module + "/session":     "render knows no session: ui/window adapts one to the windows",
		module + "/channel/...": "render knows no channel: ui/window wires the buttons and the pane to them",
		module + "/ui/...":      uiOnly,
	},
	"render/xpane": {
		"github.com/libp2p/...":             "the X pane draws pixels; it must never know about the network",
		"github.com/hajimehoshi/ebiten/...": "the X pane works beside the game window, not through it, and its tests need no Ebiten",
		"github.com/go-vgo/robotgo/...":     "the X pane only draws; input injection lives in control",
		"github.com/jezek/xgb/xtest":        "the X pane only draws; input injection lives in control",
		module + "/...":                     "the X pane is a leaf (its tests may use test/xdisplay; desktop aside)",
	},
	"render/xkeys": {
		"github.com/libp2p/...":             "the helper's key reader knows keys, not the network",
		"github.com/hajimehoshi/ebiten/...": "the key reader works beside the game window, not through it, and its tests need no Ebiten",
		"github.com/go-vgo/robotgo/...":     "the key reader only reads; input injection lives in control",
		"github.com/jezek/xgb/xtest":        "the key reader only reads; input injection lives in control",
		module + "/...":                     "the key reader is a leaf (render/xwin aside; its tests may use test/xdisplay)",
	},
	"render/form": {
		"github.com/hajimehoshi/ebiten/...": "the Settings dialog's model is tested without a display; render draws it",
		"github.com/ebitenui/...":           "the Settings dialog's model holds no widgets; render draws it",
		module + "/...":                     "the Settings dialog's model is a leaf: ui/window fills it from the screen channel, render draws it",
	},
	"render/xwin": {
		"github.com/hajimehoshi/ebiten/...": "finding the window needs X only",
		module + "/...":                     "finding the window is a leaf",
	},
	"audio/echo": {
		module + "/...":                     "echo is signal processing on frames handed to it: it imports no other ra-p2p package; the voice channel wires it to the sound device and the stream",
		"github.com/libp2p/...":             "echo runs on the audio thread and must never know about the network",
		"github.com/hajimehoshi/ebiten/...": "echo runs on the audio thread and never draws",
		"net/...":                           "echo runs on the audio thread and must never know about the network",
	},
	"audio": {
		module + "/...":                     "audio opens sound devices and hands their frames to a callback: it imports no other ra-p2p package (its subpackages aside)",
		"github.com/libp2p/...":             "audio is the sound devices only; the network is the voice channel's",
		"github.com/hajimehoshi/ebiten/...": "audio never draws: the windows show its levels through the voice channel",
		"net/...":                           "audio is the sound devices only; the network is the voice channel's",
	},
	"voice": {
		module + "/...":                     "voice is PCM in, Opus packets out and back: no devices, no wire format, no network (the channel plugs them in)",
		"github.com/libp2p/...":             "voice is tested in virtual time without a network; the channel sends its packets",
		"github.com/gen2brain/malgo":        "voice never opens a sound device: the channel hands it the device's frames",
		"github.com/hajimehoshi/ebiten/...": "voice never draws",
		"net/...":                           "voice is tested in virtual time without a network; the channel sends its packets",
	},
	"channel/voicecall": {
		module + "/render/...":              channelsDont,
		module + "/ui/...":                  channelsDont,
		module + "/cmd/...":                 thinMain,
		module + "/control":                 "talking gives no control: that is another channel and another consent",
		module + "/capture":                 "talking shows no screen",
		"github.com/hajimehoshi/ebiten/...": channelsDont,
		"github.com/go-vgo/robotgo/...":     "talking gives no control: that is another channel and another consent",
		"golang.org/x/term":                 channelsDont,
	},
	"capture": {
		"github.com/libp2p/...":             "capture is a leaf that grabs the screen and must not know about the network",
		"github.com/multiformats/...":       "capture knows nothing about peers",
		"net/http/...":                      "capture is a leaf that grabs the screen and must not know about the network",
		module + "/...":                     "capture is a leaf: it imports no other ra-p2p package (its own subpackages and desktop aside)",
		"github.com/hajimehoshi/ebiten/...": "capture must not depend on the viewer's GUI",
		"github.com/go-vgo/robotgo/...":     "capture only reads the screen; input injection lives in control",
		"github.com/jezek/xgb/xtest":        "capture only reads the screen; input injection lives in control",
		"github.com/klauspost/...":          "encoding is the screen sender's job, in stream/screen",
		"os/exec":                           "capture runs no programs",
	},
	"control": {
		"github.com/libp2p/...":             "control knows nothing about peers; the session hands it events",
		"github.com/multiformats/...":       "control knows nothing about peers",
		module + "/...":                     "control is below stream, session, render and cmd: they use it, not the reverse (desktop aside)",
		"github.com/hajimehoshi/ebiten/...": "control must not depend on the GUI; the UI asks the novice and calls Decide",
		"github.com/ebitenui/...":           "control must not depend on the GUI",
		// Not net/http or os/exec: robotgo pulls both in (net/http through
		// github.com/vcaesar/tt), so they cannot be forbidden transitively.
	},
}

// allowed lists, per package, what its rules would forbid but it may
// import: the window's X-side leaves share the window lookup, and with
// capture the MIT-SHM segment; capture grabs through a synchronous X
// connection and wakes its caller as the screen path's other goroutines do
// (internal/wake, which imports nothing); the file protocol and transfer share the framing; the audio
// thread sets its own timer slack.
var allowed = map[string][]string{
	"stream/files": {module + "/stream/framing"},
	"stream/talk":  {module + "/stream/framing"},
	"transfer":     {module + "/stream/files", module + "/stream/framing"},
	"render/xpane": {module + "/render/xwin", module + "/internal/xshm"},
	"capture":      {module + "/internal/xshm", module + "/internal/x11sync", module + "/internal/wake"},
	"render/xkeys": {module + "/render/xwin"},
	"audio":        {module + "/internal/timerslack"},
}

// goos lists the systems whose builds are checked: a file behind a build
// tag can pull in what the default build does not.
var goos = []string{"linux", "darwin", "windows"}

func TestForbiddenImports(t *testing.T) {
	root := moduleRoot(t)
	var pkgs []string
	for _, pkg := range slices.Sorted(maps.Keys(rules)) {
		if _, err := os.Stat(filepath.Join(root, pkg)); errors.Is(err, os.ErrNotExist) {
			t.Errorf("rules for %s, which does not exist: move them with the package, or drop them", pkg)
			continue
		}
		pkgs = append(pkgs, pkg)
	}
	for _, system := range goos {
		t.Run(system, func(t *testing.T) {
			graph := listDeps(t, root, system, pkgs)
			for _, pkg := range pkgs {
				path := module + "/" + pkg
				p, ok := graph[path]
				if !ok {
					t.Fatalf("go list did not report %s", path)
				}
				if excluded(p) {
					t.Logf("%s is not built for %s", pkg, system)
					continue
				}
				for _, dep := range p.Deps {
					if strings.HasPrefix(dep, path+"/") || slices.Contains(shared, dep) || slices.Contains(allowed[pkg], dep) {
						continue // its own subpackage, or a shared one
					}
					if reason, ok := stdOnly[pkg]; ok {
						if d := graph[dep]; !isStd(dep) || dep == "runtime/cgo" || (d != nil && len(d.CgoFiles) > 0) {
							t.Errorf("%s must import the standard library only, without cgo, not %s: %s\n\timport chain: %s",
								pkg, dep, reason, strings.Join(chain(graph, path, dep), " → "))
						}
					}
					for pattern, reason := range rules[pkg] {
						if matches(pattern, dep) {
							t.Errorf("%s must not import %s (%s): %s\n\timport chain: %s",
								pkg, dep, pattern, reason, strings.Join(chain(graph, path, dep), " → "))
						}
					}
				}
			}
		})
	}
}

// TestTerminalOnlyBuild: ra-p2p-nogui (-tags nogui) runs where there is no
// display, maybe no X libraries: it must link neither the windows nor the
// X11 injector (robotgo), so remote control, which needs the window to ask
// the novice, is wired only in the windowed build.
func TestTerminalOnlyBuild(t *testing.T) {
	root := moduleRoot(t)
	graph := listDeps(t, root, "linux", []string{"cmd/ra-p2p"}, "-tags", "nogui")
	path := module + "/cmd/ra-p2p"
	forbidden := []string{"github.com/hajimehoshi/ebiten/...", "github.com/ebitenui/...", "github.com/go-vgo/robotgo/...",
		module + "/render/...", module + "/channel/remotecontrol", module + "/control"}
	for _, dep := range graph[path].Deps {
		for _, pattern := range forbidden {
			if matches(pattern, dep) {
				t.Errorf("ra-p2p-nogui must not link %s (%s)\n\timport chain: %s", dep, pattern, strings.Join(chain(graph, path, dep), " → "))
			}
		}
	}
	if !slices.Contains(graph[path].Deps, module+"/ui/terminal") {
		t.Errorf("ra-p2p-nogui does not use ui/terminal: the check sees nothing")
	}
}

// TestWindowsBuild: ra-p2p.exe is built without cgo (issue 16): it must
// link none of the modules that need cgo. robotgo does not build there at
// all; miniaudio and libopus are replaced by stand-ins that say this build
// has no sound (audio/nosound.go, voice/noopus.go).
func TestWindowsBuild(t *testing.T) {
	root := moduleRoot(t)
	t.Setenv("CGO_ENABLED", "0") // as it is built (the default when cross-compiling, unless set)
	graph := listDeps(t, root, "windows", []string{"cmd/ra-p2p"})
	path := module + "/cmd/ra-p2p"
	forbidden := []string{"github.com/go-vgo/robotgo/...", "github.com/gen2brain/malgo", "github.com/hraban/opus", "runtime/cgo"}
	for _, dep := range graph[path].Deps {
		for _, pattern := range forbidden {
			if matches(pattern, dep) {
				t.Errorf("ra-p2p.exe must not link %s (%s)\n\timport chain: %s", dep, pattern, strings.Join(chain(graph, path, dep), " → "))
			}
		}
	}
	for _, want := range []string{module + "/capture", module + "/control", module + "/render"} {
		if !slices.Contains(graph[path].Deps, want) {
			t.Errorf("ra-p2p.exe does not link %s: the check sees nothing", want)
		}
	}
}

// TestOnlyCommandsCoarsenTimers: importing internal/timerslack/coarse gives
// the whole process, and every process it starts, a millisecond of timer
// slack. A command may want that; a library or a test binary must not have
// it: a test that starts PipeWire would hand the slack to the sound server,
// whose graph then runs late (the voice tests failed so in session 14).
func TestOnlyCommandsCoarsenTimers(t *testing.T) {
	root := moduleRoot(t)
	coarse := module + "/internal/timerslack/coarse"
	graph := listDeps(t, root, "linux", []string{"..."}, "-test")
	if !slices.Contains(graph[module+"/cmd/ra-p2p"].Deps, coarse) {
		t.Fatalf("cmd/ra-p2p does not link %s: the check sees nothing", coarse)
	}
	for path, p := range graph {
		own := path == coarse || strings.HasPrefix(path, coarse+" ") || path == coarse+".test"
		if own || matches(module+"/cmd/...", strings.Fields(path)[0]) || !slices.Contains(p.Deps, coarse) {
			continue
		}
		t.Errorf("%s links %s, which only a command may\n\timport chain: %s",
			path, coarse, strings.Join(chain(graph, path, coarse), " → "))
	}
}

// TestChecksSeeImports guards against a check that passes because it sees
// nothing: p2p really does import libp2p, so the same lookup finds it.
func TestChecksSeeImports(t *testing.T) {
	root := moduleRoot(t)
	graph := listDeps(t, root, "linux", []string{"p2p", "session"})
	for _, c := range []struct{ pkg, pattern string }{
		{"p2p", "github.com/libp2p/..."},
		{"p2p", "github.com/libp2p/go-libp2p/core/host"},
		{"p2p", module + "/stream/traversal"},
		{"session", module + "/stream"},
	} {
		p := graph[module+"/"+c.pkg]
		if !slices.ContainsFunc(p.Deps, func(d string) bool { return matches(c.pattern, d) }) {
			t.Errorf("%s does not appear to import %s; the dependency check is blind", c.pkg, c.pattern)
		}
	}
	// With cgo on, libp2p's graph has packages with cgo files (net, at
	// least): the std-only rule's cgo check must see them.
	if p2p := graph[module+"/p2p"]; slices.Contains(p2p.Deps, "runtime/cgo") &&
		!slices.ContainsFunc(p2p.Deps, func(d string) bool { return graph[d] != nil && len(graph[d].CgoFiles) > 0 }) {
		t.Error("go list reports no cgo files in p2p's dependencies; the std-only check is blind")
	}
	if !isStd("image/png") || isStd(module+"/desktop") || isStd("golang.org/x/image") {
		t.Error("isStd does not tell the standard library from modules")
	}
	if got := chain(graph, module+"/session", "github.com/libp2p/go-libp2p/core/peer"); len(got) < 2 {
		t.Errorf("no import chain from session to core/peer: %v", got)
	}
}

func TestMatches(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"net/http", "net/http", true},
		{"net/http", "net/http/httptrace", false},
		{"net/http/...", "net/http", true},
		{"net/http/...", "net/http/httptrace", true},
		{"net/http/...", "net/httpx", false},
		{"github.com/libp2p/...", "github.com/libp2p/go-libp2p/core/peer", true},
		{"github.com/libp2p/...", "github.com/libp2pfork/x", false},
	}
	for _, c := range cases {
		if got := matches(c.pattern, c.path); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func matches(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

// isStd says whether path is a standard library package: its first
// element has no dot, as go list and the go command decide it.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// pkgInfo is the part of `go list -json` output used here.
type pkgInfo struct {
	ImportPath string
	Imports    []string
	Deps       []string
	CgoFiles   []string
	Error      *struct{ Err string }
}

// listDeps runs `go list -deps -json` for pkgs with GOOS=system and returns
// every package in their import graph by path.
func listDeps(t *testing.T, root, system string, pkgs []string, flags ...string) map[string]*pkgInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Imports,Deps,CgoFiles,Error"}, flags...)
	for _, p := range pkgs {
		args = append(args, "./"+p)
	}
	cmd := exec.CommandContext(ctx, goTool(t), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+system)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	graph := map[string]*pkgInfo{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		if p.Error != nil && strings.HasPrefix(p.ImportPath, module) && !excluded(&p) {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		graph[p.ImportPath] = &p
	}
	return graph
}

// excluded reports whether p has no files for the system listed (a
// Linux-only package on Windows, say): there is nothing to check then.
func excluded(p *pkgInfo) bool {
	return p.Error != nil && strings.Contains(p.Error.Err, "build constraints exclude all Go files")
}

// chain finds a shortest import chain from one package to another, for the
// error message: knowing who pulled a forbidden import in is half the fix.
func chain(graph map[string]*pkgInfo, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return path
		}
		if p := graph[cur]; p != nil {
			for _, next := range p.Imports {
				if _, seen := prev[next]; !seen {
					prev[next] = cur
					queue = append(queue, next)
				}
			}
		}
	}
	return []string{from, "…", to}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(goTool(t), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the ra-p2p module")
	}
	return filepath.Dir(gomod)
}

// goTool is the go command that runs this test, or the one on PATH.
func goTool(t *testing.T) string {
	t.Helper()
	if goroot := os.Getenv("GOROOT"); goroot != "" {
		if p := filepath.Join(goroot, "bin", "go"); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list packages with")
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
