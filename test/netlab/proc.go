//go:build linux

package netlab

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ra-p2p/ra-p2p/test/procgroup"
)

// stopGrace is how long Stop waits after SIGINT before SIGKILL.
const stopGrace = 3 * time.Second

// Proc is a program started with Lab.Start inside a namespace.
type Proc struct {
	// Cmd runs `ip netns exec NS name args...`; ip execs the program in
	// place, so Cmd.Process.Pid is the program's pid. The program leads its
	// own process group.
	Cmd *exec.Cmd
	// NS and Name are what Start was given.
	NS, Name string
	// LogPath is the file that receives the same output as Output, inside
	// the test's TempDir (removed when the test ends).
	LogPath string

	out *output

	inMu  sync.Mutex
	stdin io.WriteCloser

	done     chan struct{} // closed when Cmd.Wait has returned
	waitErr  error
	stopOnce sync.Once
}

// Start runs program name with args inside namespace ns. name is looked up
// in $PATH unless it contains a slash. env is added to the test process's
// environment (nil: inherit it unchanged). stdout and stderr both go to one
// buffer (Output, WaitFor) and to a log file. stdin is a pipe (WriteLine).
// The program is stopped by Stop or by the Lab's cleanup; if the test binary
// dies, it gets SIGKILL.
func (l *Lab) Start(ns string, name string, args []string, env []string) *Proc {
	l.tb.Helper()
	if !strings.Contains(name, "/") {
		if _, err := exec.LookPath(name); err != nil {
			l.tb.Fatalf("netlab: Start %s: %v", name, err)
		}
	} else if _, err := os.Stat(name); err != nil {
		l.tb.Fatalf("netlab: Start: %v", err)
	}

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.tb.Fatalf("netlab: Start %s after the lab was cleaned up", name)
	}
	l.seq++
	logPath := filepath.Join(l.logDir, fmt.Sprintf("%02d-%s-%s.log",
		l.seq, strings.TrimPrefix(ns, l.prefix+"-"), filepath.Base(name)))
	l.mu.Unlock()

	f, err := os.Create(logPath)
	if err != nil {
		l.tb.Fatalf("netlab: creating log file: %v", err)
	}
	p := &Proc{
		NS:      ns,
		Name:    name,
		LogPath: logPath,
		out:     &output{file: f, changed: make(chan struct{})},
		done:    make(chan struct{}),
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Grandchildren that keep the output pipe open must not block Wait.
	cmd.WaitDelay = 2 * time.Second
	p.stdin, err = cmd.StdinPipe()
	if err != nil {
		f.Close()
		l.tb.Fatalf("netlab: stdin pipe: %v", err)
	}
	p.Cmd = cmd

	// Register before starting, under the lock the cleanup takes, so that
	// no process escapes the cleanup.
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		f.Close()
		l.tb.Fatalf("netlab: Start %s after the lab was cleaned up", name)
	}
	if err := cmd.Start(); err != nil {
		l.mu.Unlock()
		f.Close()
		l.tb.Fatalf("netlab: starting %s in %s: %v", name, ns, err)
	}
	l.procs = append(l.procs, p)
	l.mu.Unlock()

	go func() {
		p.waitErr = cmd.Wait()
		p.out.closeFile()
		close(p.done)
	}()
	return p
}

// Pid is the program's process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// WriteLine writes s and a newline to the program's stdin.
func (p *Proc) WriteLine(s string) error {
	p.inMu.Lock()
	defer p.inMu.Unlock()
	if _, err := io.WriteString(p.stdin, s+"\n"); err != nil {
		return fmt.Errorf("netlab: writing to stdin of %s: %w", p.Name, err)
	}
	return nil
}

// CloseStdin closes the program's stdin (it reads EOF).
func (p *Proc) CloseStdin() error {
	p.inMu.Lock()
	defer p.inMu.Unlock()
	return p.stdin.Close()
}

// Output is everything the program wrote to stdout and stderr so far.
func (p *Proc) Output() string {
	b, _ := p.out.snapshot()
	return string(b)
}

// Exited tells whether the program has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitFor waits until a line of the output matches re and returns the
// match and its submatches. It searches the whole output from the start, so
// a line printed before the call counts. The last line counts before its
// newline arrives (a prompt). It fails at the timeout or when the program
// exits without such a line; the error holds the end of the output.
func (p *Proc) WaitFor(re *regexp.Regexp, timeout time.Duration) (match []string, err error) {
	return p.WaitForNth(re, 1, timeout)
}

// WaitForNth is WaitFor for the n-th matching line (n >= 1), e.g. the second
// "connected".
func (p *Proc) WaitForNth(re *regexp.Regexp, n int, timeout time.Duration) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("netlab: WaitForNth: n = %d, want >= 1", n)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	scanned, count := 0, 0 // bytes of complete lines scanned; matches in them
	for {
		exited := p.Exited() // before the snapshot: after exit it is final
		buf, changed := p.out.snapshot()
		for {
			i := bytes.IndexByte(buf[scanned:], '\n')
			if i < 0 {
				break
			}
			line := strings.TrimSuffix(string(buf[scanned:scanned+i]), "\r")
			scanned += i + 1
			if m := re.FindStringSubmatch(line); m != nil {
				if count++; count == n {
					return m, nil
				}
			}
		}
		if rest := buf[scanned:]; len(rest) > 0 && count+1 == n {
			if m := re.FindStringSubmatch(string(rest)); m != nil {
				return m, nil
			}
		}
		if exited {
			return nil, fmt.Errorf("netlab: %s in %s %s before printing a line matching %q (%d of %d seen); output ends:\n%s",
				p.Name, p.NS, p.describeExit(), re, count, n, tail(string(buf), 4096))
		}
		select {
		case <-changed:
		case <-p.done:
		case <-timer.C:
			return nil, fmt.Errorf("netlab: timed out after %v waiting for a line matching %q from %s in %s (%d of %d seen); output ends:\n%s",
				timeout, re, p.Name, p.NS, count, n, tail(p.Output(), 4096))
		}
	}
}

// Wait waits up to timeout for the program to exit and returns its exit
// code. A program killed by a signal gives -1 and an error naming the
// signal; a timeout gives -1 and an error.
func (p *Proc) Wait(timeout time.Duration) (exitCode int, err error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		return -1, fmt.Errorf("netlab: %s in %s still running after %v", p.Name, p.NS, timeout)
	}
	return p.exitStatus()
}

func (p *Proc) exitStatus() (int, error) {
	ps := p.Cmd.ProcessState
	if ps == nil {
		return -1, fmt.Errorf("netlab: %s: %v", p.Name, p.waitErr)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, fmt.Errorf("netlab: %s in %s was killed by %v", p.Name, p.NS, ws.Signal())
	}
	return ps.ExitCode(), nil
}

func (p *Proc) describeExit() string {
	if !p.Exited() {
		return "still running"
	}
	code, err := p.exitStatus()
	if err != nil {
		return "exited: " + strings.TrimPrefix(err.Error(), "netlab: ")
	}
	return fmt.Sprintf("exited with code %d", code)
}

// Stop sends SIGINT to the program's process group, then SIGKILL if it has
// not exited after 3 s, and waits for it. Anything left in the group is
// killed too. It may be called many times and from many goroutines.
func (p *Proc) Stop() {
	p.stopOnce.Do(func() {
		pgid := p.Cmd.Process.Pid
		if !p.Exited() {
			syscall.Kill(-pgid, syscall.SIGINT)
			timer := time.NewTimer(stopGrace)
			select {
			case <-p.done:
			case <-timer.C:
				syscall.Kill(-pgid, syscall.SIGKILL)
				<-p.done
			}
			timer.Stop()
		}
		// Stragglers that stayed in the group (ESRCH when there are none),
		// unless the group's number is someone else's by now.
		procgroup.KillStragglers(pgid)
	})
}

// output is an append-only buffer that is copied to a file and that wakes
// waiters on every write.
type output struct {
	mu      sync.Mutex
	buf     []byte
	file    *os.File
	changed chan struct{} // closed and replaced by every Write
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, b...)
	if o.file != nil {
		o.file.Write(b)
	}
	close(o.changed)
	o.changed = make(chan struct{})
	return len(b), nil
}

// snapshot returns the output so far, which is never modified afterwards
// (Write only appends past it), and a channel closed by the next Write.
func (o *output) snapshot() ([]byte, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf[:len(o.buf):len(o.buf)], o.changed
}

func (o *output) closeFile() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.file != nil {
		o.file.Close()
		o.file = nil
	}
}
