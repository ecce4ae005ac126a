package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// ErrNoPortal means there is no session bus or no portal with a file
// chooser on it: ask another way.
var ErrNoPortal = errors.New("no desktop portal with a file chooser")

const (
	busName       = "org.freedesktop.portal.Desktop"
	objectPath    = "/org/freedesktop/portal/desktop"
	chooserIface  = "org.freedesktop.portal.FileChooser"
	requestIface  = "org.freedesktop.portal.Request"
	requestPrefix = "/org/freedesktop/portal/desktop/request/"
)

// probeTimeout bounds finding the portal: it may be started on demand by
// the bus (about a second), but a bus that does not answer must not keep
// the person waiting for a dialog that never comes.
const probeTimeout = 5 * time.Second

// Request is what the dialog asks.
type Request struct {
	Title       string  // the dialog's title
	AcceptLabel string  // the label of its OK button ("" : the desktop's)
	Multiple    bool    // OpenFiles: several may be chosen
	Folder      string  // where it opens ("" or an older portal opening a file: the desktop's choice)
	Name        string  // SaveFile: the name suggested
	Filter      *Filter // the files shown at first (all files stay a choice); nil: all
}

// Filter is a named set of glob patterns, "Invitations" and "*.rainvite".
type Filter struct {
	Name     string
	Patterns []string
}

// OpenFiles shows the desktop's file dialog and returns the paths chosen;
// none (and no error) when the person cancelled. It blocks until the
// dialog is answered or ctx ends (then the dialog is closed). ErrNoPortal:
// there is no portal to ask.
func OpenFiles(ctx context.Context, req Request) ([]string, error) {
	return ask(ctx, "OpenFile", req)
}

// SaveFile shows the desktop's save dialog and returns the path chosen, ""
// when the person cancelled; as OpenFiles otherwise. The dialog asks
// before replacing a file; the caller still must not overwrite blindly.
func SaveFile(ctx context.Context, req Request) (string, error) {
	paths, err := ask(ctx, "SaveFile", req)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	return paths[0], nil
}

// filter is a Filter as the portal's a(sa(us)) wants it: kind 0 is a glob.
type filter struct {
	Name     string
	Patterns []filterPattern
}

type filterPattern struct {
	Kind    uint32
	Pattern string
}

func portalFilters(f *Filter) []filter {
	var mine filter
	mine.Name = f.Name
	for _, p := range f.Patterns {
		mine.Patterns = append(mine.Patterns, filterPattern{0, p})
	}
	return []filter{mine, {"All files", []filterPattern{{0, "*"}}}}
}

// ask calls FileChooser's method and waits for its answer.
func ask(ctx context.Context, method string, req Request) ([]string, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPortal, err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return nil, fmt.Errorf("%w: the session bus: %v", ErrNoPortal, err)
	}
	if err := conn.Hello(); err != nil {
		return nil, fmt.Errorf("%w: the session bus: %v", ErrNoPortal, err)
	}
	desktop := conn.Object(busName, objectPath)
	version, err := chooserVersion(ctx, desktop)
	if err != nil {
		return nil, err
	}

	// The request's object path is known before the call (handle_token),
	// so the answer cannot arrive before we listen for it.
	token := newToken()
	handle := dbus.ObjectPath(requestPrefix + senderPart(conn.Names()[0]) + "/" + token)
	answers := make(chan *dbus.Signal, 4)
	conn.Signal(answers)
	match := []dbus.MatchOption{dbus.WithMatchInterface(requestIface), dbus.WithMatchMember("Response")}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		return nil, fmt.Errorf("listening for the file dialog's answer: %w", err)
	}

	options := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"modal":        dbus.MakeVariant(true),
	}
	if method == "OpenFile" {
		options["multiple"] = dbus.MakeVariant(req.Multiple)
	}
	if req.AcceptLabel != "" {
		options["accept_label"] = dbus.MakeVariant(req.AcceptLabel)
	}
	if req.Name != "" && method == "SaveFile" {
		options["current_name"] = dbus.MakeVariant(req.Name)
	}
	if req.Folder != "" && (method == "SaveFile" || version >= 4) {
		// A byte string ending in NUL, as the portal's specification says;
		// OpenFile has it since version 4 (Debian 12's portal is 3 and
		// opens where it likes).
		options["current_folder"] = dbus.MakeVariant(append([]byte(req.Folder), 0))
	}
	if req.Filter != nil {
		options["filters"] = dbus.MakeVariant(portalFilters(req.Filter))
	}
	var got dbus.ObjectPath
	if err := desktop.CallWithContext(ctx, chooserIface+"."+method, 0, "", req.Title, options).Store(&got); err != nil {
		return nil, fmt.Errorf("opening the desktop's file dialog: %w", err)
	}
	if got.IsValid() {
		handle = got // portals older than handle_token choose their own
	}
	for {
		select {
		case <-ctx.Done():
			// Take the dialog off the screen: nobody waits for its answer.
			conn.Object(busName, handle).Call(requestIface+".Close", 0)
			return nil, ctx.Err()
		case sig, ok := <-answers:
			if !ok {
				return nil, errors.New("the session bus closed while the file dialog was open")
			}
			if sig.Path != handle || sig.Name != requestIface+".Response" {
				continue
			}
			return response(sig.Body)
		}
	}
}

// chooserVersion asks the portal which version of FileChooser it has; an
// error means there is none to ask (ErrNoPortal).
func chooserVersion(ctx context.Context, desktop dbus.BusObject) (uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var v dbus.Variant
	err := desktop.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, chooserIface, "version").Store(&v)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoPortal, err)
	}
	version, _ := v.Value().(uint32)
	return version, nil
}

// response reads a Request's Response signal: (code, results); code 0 is
// an answer, 1 the person cancelled, 2 the dialog ended otherwise (GTK's
// says 2 for ESC and for the window closed): nothing chosen either way.
func response(body []any) ([]string, error) {
	if len(body) != 2 {
		return nil, fmt.Errorf("the file dialog answered with %d values, not 2", len(body))
	}
	if code, _ := body[0].(uint32); code != 0 {
		return nil, nil
	}
	results, _ := body[1].(map[string]dbus.Variant)
	uris, _ := results["uris"].Value().([]string)
	return Paths(uris)
}

// Paths turns the dialog's file:// URIs into paths; any other URI (a
// network location the desktop offers) is refused by name, since only
// files on this computer can be sent.
func Paths(uris []string) ([]string, error) {
	paths := make([]string, 0, len(uris))
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("%q is not a file on this computer", s)
		}
		paths = append(paths, u.Path)
	}
	return paths, nil
}

// senderPart is the bus's unique name as the portal writes it in request
// paths: ":1.42" becomes "1_42".
func senderPart(unique string) string {
	return strings.ReplaceAll(strings.TrimPrefix(unique, ":"), ".", "_")
}

func newToken() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "ra_p2p_" + hex.EncodeToString(b)
}
