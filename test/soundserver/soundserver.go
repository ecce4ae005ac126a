//go:build linux

// Package soundserver starts a private, headless sound server for a test:
// PipeWire with WirePlumber and pipewire-pulse (Debian 12's desktop sound
// server), on a D-Bus session bus of its own, in a runtime directory of
// its own, so the test's null sinks, players and recorders never meet the
// machine's own sound. Programs reach it through Env (PULSE_SERVER…).
//
// It stops only the processes it started, by PID (the bus by its process
// group), when the test ends, also when it fails; it never touches a sound
// server it did not start. It works as root (CI), which PipeWire allows
// when its runtime directory is given and RTKit is not asked for.
package soundserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tools are the programs a Server needs, with their Debian packages.
var tools = []struct{ name, pkg string }{
	{"dbus-daemon", "dbus-daemon"},
	{"pipewire", "pipewire-bin"},
	{"wireplumber", "wireplumber"},
	{"pipewire-pulse", "pipewire-pulse"},
	{"pactl", "pulseaudio-utils"},
	{"paplay", "pulseaudio-utils"},
	{"parec", "pulseaudio-utils"},
	{"pw-link", "pipewire-bin"},
}

// startTimeout bounds each step of starting the server on a busy machine
// (all of it takes ~0.5 s here).
const startTimeout = 15 * time.Second

// Server is a running private sound server.
type Server struct {
	dir  string // the runtime directory: sockets, logs
	env  []string
	logs []string // log file of each process, for a failed test

	mu    sync.Mutex
	procs []*proc
}

// proc is a process the Server started and waits for.
type proc struct {
	name   string
	cmd    *exec.Cmd
	group  bool          // signal its whole process group
	exited chan struct{} // closed after its only Wait
}

// Start starts PipeWire, WirePlumber and pipewire-pulse for tb and returns
// when the PulseAudio-protocol server answers and WirePlumber is connected
// (so streams get linked to sinks). It skips the test when a program is
// missing (fails instead when RA_P2P_REQUIRE_ALL=1) and fails it when they
// exist but do not start.
func Start(tb testing.TB) *Server {
	tb.Helper()
	for _, t := range tools {
		if _, err := exec.LookPath(t.name); err != nil {
			msg := fmt.Sprintf("needs %s (Debian package %s; scripts/install-deps.sh installs it)", t.name, t.pkg)
			if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	// Not tb.TempDir: a socket path must fit in 108 bytes, and test names
	// make TempDir's long.
	dir, err := os.MkdirTemp("", "snd")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{dir: dir}
	tb.Cleanup(func() { os.RemoveAll(dir) }) // runs after s.stop (LIFO)
	tb.Cleanup(func() { s.stop(tb) })
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		tb.Fatal(err)
	}
	bus := "unix:path=" + filepath.Join(dir, "bus")
	s.env = []string{
		"XDG_RUNTIME_DIR=" + dir,
		"PIPEWIRE_RUNTIME_DIR=" + dir,
		"PULSE_RUNTIME_PATH=" + filepath.Join(dir, "pulse"),
		"PULSE_SERVER=unix:" + filepath.Join(dir, "pulse", "native"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus,
		// A home of its own: WirePlumber would otherwise restore (and save)
		// the machine's default devices and volumes in ~/.local/state.
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		// Root has no RTKit session; PipeWire's RT module then logs errors
		// and falls back to plain priorities, which tests are fine with.
		"DISABLE_RTKIT=y",
		"PIPEWIRE_LOG_SYSTEMD=false",
	}

	// The bus: WirePlumber exits without one ("Cannot autolaunch D-Bus
	// without X11 $DISPLAY"), and PipeWire's portal module asks for it.
	s.run(tb, "dbus-daemon", true, "--session", "--nofork", "--nopidfile", "--address="+bus)
	s.waitFor(tb, "the D-Bus session bus", func() error { _, err := os.Stat(filepath.Join(dir, "bus")); return err })
	s.run(tb, "pipewire", false)
	s.waitFor(tb, "PipeWire", func() error { _, err := os.Stat(filepath.Join(dir, "pipewire-0")); return err })
	s.run(tb, "wireplumber", false)
	s.run(tb, "pipewire-pulse", false)
	s.waitFor(tb, "pipewire-pulse and WirePlumber", func() error {
		out, err := s.pactl("list", "clients")
		if err != nil {
			return err
		}
		if !strings.Contains(strings.ToLower(out), `application.name = "wireplumber"`) {
			return errors.New("WirePlumber is not connected yet")
		}
		return nil
	})
	return s
}

// env is the environment for a child process of the server: this
// process's without anything that would point it at another sound server
// or bus, a display, or another runtime directory; then s.env.
func (s *Server) childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "PULSE_"), strings.HasPrefix(k, "PIPEWIRE_"), strings.HasPrefix(k, "XDG_"),
			k == "DBUS_SESSION_BUS_ADDRESS", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env, s.env...)
}

// Env is what a program needs to reach this server, as KEY=value entries
// (PULSE_SERVER, XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR,
// DBUS_SESSION_BUS_ADDRESS…). A test that opens sound devices in its own
// process sets them with t.Setenv.
func (s *Server) Env() []string { return append([]string(nil), s.env...) }

// Setenv sets Env in this process for the rest of tb (tb.Setenv: not for
// parallel tests), so libraries such as libpulse reach this server.
func (s *Server) Setenv(tb testing.TB) {
	tb.Helper()
	for _, kv := range s.env {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
}

// run starts a server process; its output goes to a log in the runtime
// directory, shown when the test fails.
func (s *Server) run(tb testing.TB, name string, group bool, args ...string) {
	tb.Helper()
	logPath := filepath.Join(s.dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(name, args...)
	cmd.Env = s.childEnv()
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, group: group, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }() // the only Wait
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.logs = append(s.logs, logPath)
	s.mu.Unlock()
}

// waitFor polls ready until it says nil; it fails the test when a server
// process has exited meanwhile or after startTimeout.
func (s *Server) waitFor(tb testing.TB, what string, ready func() error) {
	tb.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		s.mu.Lock()
		for _, p := range s.procs {
			select {
			case <-p.exited:
				s.mu.Unlock()
				tb.Fatalf("waiting for %s: %s exited (%v)", what, p.name, p.cmd.ProcessState)
			default:
			}
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not start in %v: %v", what, startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the processes it started, the last started first, each by its
// PID (the bus by its process group, for what it activated), and shows
// their logs when the test failed.
func (s *Server) stop(tb testing.TB) {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		pid := p.cmd.Process.Pid
		if p.group {
			pid = -pid
		}
		syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			tb.Logf("soundserver: %s did not stop on SIGTERM in 5 s; killing it", p.name)
			syscall.Kill(pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	if tb.Failed() {
		for _, path := range s.logs {
			b, _ := os.ReadFile(path)
			if len(b) > 16000 {
				b = b[len(b)-16000:]
			}
			tb.Logf("soundserver: %s:\n%s", filepath.Base(path), b)
		}
	}
}

// pactl runs pactl against this server.
func (s *Server) pactl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pactl", args...)
	cmd.Env = s.childEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("pactl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// Pactl runs pactl against this server and returns its output; it fails
// the test on error.
func (s *Server) Pactl(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := s.pactl(args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// NullSink creates a sink that plays into nothing, called name (also its
// description, which is how sound libraries name it: "name"), 48 kHz
// mono, and returns when it and its monitor source, name+".monitor", are
// listed. Its graph ports are name+":playback_MONO" and name+":monitor_MONO".
func (s *Server) NullSink(tb testing.TB, name string) {
	tb.Helper()
	s.nullSink(tb, name, 1)
}

// StereoNullSink is NullSink with two channels (ports name+":playback_FL",
// "…_FR", "…:monitor_FL", "…_FR"): linked with Link to two other sinks'
// monitors, its monitor records both on one clock, so the delay between
// them is exact.
func (s *Server) StereoNullSink(tb testing.TB, name string) {
	tb.Helper()
	s.nullSink(tb, name, 2)
}

// Room returns what the sink speaker plays into the sink mic, gainDB
// (e.g. -6) lower, as a room returns a loudspeaker's sound into a
// microphone: through a mono null sink of that volume whose monitor carries
// it (monitor.channel-volumes), linked in the graph on both sides, so the
// echo's delay is fixed, as a room's is (a loopback module resamples to
// keep its latency, which moves the echo by fractions of a sample, and an
// echo canceller cannot follow that).
func (s *Server) Room(tb testing.TB, speaker, mic string, gainDB float64) {
	tb.Helper()
	room := "room-" + speaker + "-" + mic
	s.nullSink(tb, room, 1, "monitor.channel-volumes=true")
	s.Pactl(tb, "set-sink-volume", room, fmt.Sprintf("%+.1fdB", gainDB))
	s.Link(tb, speaker+":monitor_MONO", room+":playback_MONO")
	s.Link(tb, room+":monitor_MONO", mic+":playback_MONO")
}

func (s *Server) nullSink(tb testing.TB, name string, channels int, props ...string) {
	tb.Helper()
	s.Pactl(tb, "load-module", "module-null-sink", "sink_name="+name, "rate=48000", "channels="+strconv.Itoa(channels),
		"sink_properties="+strings.Join(append([]string{"device.description=" + name}, props...), " "))
	s.waitFor(tb, "null sink "+name, func() error {
		sinks, err := s.pactl("list", "short", "sinks")
		if err != nil {
			return err
		}
		sources, err := s.pactl("list", "short", "sources")
		if err != nil {
			return err
		}
		if !hasName(sinks, name) || !hasName(sources, name+".monitor") {
			return fmt.Errorf("sink %s or its monitor is not listed yet", name)
		}
		return nil
	})
}

// Link connects two graph ports directly with pw-link ("a:monitor_MONO" to
// "probe:playback_FL"): no stream, no buffer, so what flows through it is
// not delayed.
func (s *Server) Link(tb testing.TB, output, input string) {
	tb.Helper()
	cmd := exec.Command("pw-link", output, input)
	cmd.Env = s.childEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("pw-link %s %s: %v\n%s", output, input, err, out)
	}
}

// hasName says whether a "pactl list short" table has name in its second column.
func hasName(table, name string) bool {
	for line := range strings.Lines(table) {
		f := strings.Fields(line)
		if len(f) > 1 && f[1] == name {
			return true
		}
	}
	return false
}

// Play plays a sound file into sink with paplay and returns when it has
// been played; it fails the test on error.
func (s *Server) Play(tb testing.TB, file, sink string) {
	tb.Helper()
	cmd := exec.Command("paplay", "--device="+sink, "--latency-msec=20", file)
	cmd.Env = s.childEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("paplay %s into %s: %v\n%s", file, sink, err, out)
	}
}

// Record records source (e.g. "b.monitor") into a WAV file at path, 48 kHz
// mono 16-bit, with parec. It returns when the recording stream is
// connected, so sound played afterwards is in the file. stop ends the
// recording and returns when the file is complete; so does the end of ctx
// or of the test.
func (s *Server) Record(ctx context.Context, tb testing.TB, source, path string) (stop func()) {
	tb.Helper()
	return s.RecordChannels(ctx, tb, source, path, 1)
}

// RecordChannels is Record with a number of channels (2 for the monitor of
// a StereoNullSink).
func (s *Server) RecordChannels(ctx context.Context, tb testing.TB, source, path string, channels int) (stop func()) {
	tb.Helper()
	name := fmt.Sprintf("soundserver-record-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command("parec", "--device="+source, "--client-name="+name, "--file-format=wav",
		"--rate=48000", "--channels="+strconv.Itoa(channels), "--format=s16le", "--latency-msec=10", path)
	cmd.Env = s.childEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting parec: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() // the only Wait
	var once sync.Once
	stop = func() {
		once.Do(func() {
			// SIGINT: parec finishes the WAV header and exits 0.
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-exited
				tb.Errorf("parec did not stop on SIGINT in 5 s: %s", out.String())
				return
			}
			if !cmd.ProcessState.Success() {
				tb.Errorf("parec %s: %v: %s", source, cmd.ProcessState, out.String())
			}
		})
	}
	// Cleanups run last-registered first: stop, then the wait for the
	// watcher, which stop (or ctx) has ended.
	watchDone := make(chan struct{})
	tb.Cleanup(func() { <-watchDone })
	tb.Cleanup(stop)
	go func() {
		defer close(watchDone)
		select {
		case <-ctx.Done():
			stop()
		case <-exited:
		}
	}()
	s.waitFor(tb, "parec recording "+source, func() error {
		select {
		case <-exited:
			tb.Fatalf("parec %s exited: %v: %s", source, cmd.ProcessState, out.String())
		default:
		}
		list, err := s.pactl("list", "source-outputs")
		if err != nil {
			return err
		}
		if !strings.Contains(list, `application.name = "`+name+`"`) {
			return errors.New("the recording stream is not connected yet")
		}
		return nil
	})
	return stop
}

// Hang stops the PulseAudio-protocol server (pipewire-pulse) for d, as a
// sound server that falls behind on a busy computer does: its clients'
// streams get no data and take none until it goes on.
func (s *Server) Hang(tb testing.TB, d time.Duration) {
	tb.Helper()
	s.mu.Lock()
	var pid int
	for _, p := range s.procs {
		if p.name == "pipewire-pulse" {
			pid = p.cmd.Process.Pid
		}
	}
	s.mu.Unlock()
	if pid == 0 {
		tb.Fatal("soundserver: pipewire-pulse is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		tb.Fatalf("soundserver: stopping pipewire-pulse: %v", err)
	}
	time.Sleep(d)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		tb.Fatalf("soundserver: continuing pipewire-pulse: %v", err)
	}
}

// pids is for tests of this package: the PIDs of the running processes.
func (s *Server) pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pids []int
	for _, p := range s.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}
