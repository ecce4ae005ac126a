//go:build linux

package latency

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// startNode starts a bootstrap node (bin's ra-p2p-nogui) on loopback and
// returns the --bootstrap flags that reach it.
func startNode(b *testing.B, bin string) []string {
	b.Helper()
	node := startProc(b, nil, filepath.Join(bin, "ra-p2p-nogui"), "node",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
	node.waitFor(b, `--bootstrap \S+`, 20*time.Second)
	time.Sleep(200 * time.Millisecond) // the node prints all its addresses at once
	var boot []string
	for _, l := range strings.Split(node.out.String(), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "--bootstrap" {
			boot = append(boot, "--bootstrap", f[1])
		}
	}
	return boot
}

// meter measures one peer after another with one probe: from the novice's
// display nd to the viewer's display vd.
type meter struct {
	b     *testing.B
	probe *Probe
	vd    *xdisplay.Display
	shots string
}

// newMeter makes the probe; it is closed when b ends.
func newMeter(b *testing.B, nd, vd *xdisplay.Display, shots string) *meter {
	b.Helper()
	probe, err := NewProbe(nd.Name, vd.Name, probeX, probeY, uint64(time.Now().UnixNano()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { probe.Close() })
	return &meter{b: b, probe: probe, vd: vd, shots: shots}
}

// measure runs one peer's samples once its picture is on the viewer's
// display, adding them to res with the wire bytes from server to viewer
// and the CPU of both. serverPIDs are the server's processes: server's
// alone, or more for a server that is several (a Windows program under
// Wine, whose sockets wineserver holds too).
func (m *meter) measure(res *result, round int, server, viewer *proc, serverPIDs func() []int) {
	b := m.b
	b.Helper()
	var err error
	for i := 0; i < 2; i++ { // the first update may take a while: connecting, a key frame
		if _, err = m.probe.Measure(20 * time.Second); err == nil {
			break
		}
	}
	if err != nil {
		path := filepath.Join(m.shots, res.key+"-not-ready.png")
		m.vd.Screenshot("root", path)
		b.Fatalf("%s: the viewer does not show the novice's screen at its origin: %v (see %s)\nserver:\n%s\nviewer:\n%s",
			res.label, err, path, server.out.String(), viewer.out.String())
	}
	if round == 1 {
		m.vd.Screenshot("root", filepath.Join(m.shots, res.key+"-viewer.png"))
	}
	for i := 0; i < warmup; i++ {
		m.probe.Measure(sampleTimeout)
		m.probe.Pause()
	}
	serverTicks := func(pids []int) int64 {
		var sum int64
		for _, pid := range pids {
			sum += cpuTicksIfAlive(pid)
		}
		return sum
	}
	pids := serverPIDs()
	b0, s0, v0, t0 := wireBytes(b, pids, viewer.pid()), serverTicks(pids), cpuTicks(b, viewer.pid()), time.Now()
	samples, misses, err := m.probe.Run(samplesPerRun, sampleTimeout)
	t1 := time.Now()
	b1, s1, v1 := wireBytes(b, pids, viewer.pid()), serverTicks(pids), cpuTicks(b, viewer.pid())
	if err != nil {
		b.Fatalf("%s: %v", res.label, err)
	}
	if misses > samplesPerRun/10 {
		b.Fatalf("%s: %d of %d changes never reached the viewer within %v", res.label, misses, samplesPerRun, sampleTimeout)
	}
	res.samples = append(res.samples, samples...)
	res.misses += misses
	res.bytes += b1 - b0
	res.elapsed += t1.Sub(t0)
	res.server += s1 - s0
	res.viewer += v1 - v0
	sorted := slices.Sorted(slices.Values(samples))
	line := fmt.Sprintf("round %d: median %.1f ms (p10 %.1f, p90 %.1f), %.2f Mbit/s, server CPU %.1f %%, viewer CPU %.1f %%, %d misses, load %s",
		round, MS(Percentile(sorted, 0.5)), MS(Percentile(sorted, 0.1)), MS(Percentile(sorted, 0.9)),
		float64(b1-b0)*8/t1.Sub(t0).Seconds()/1e6, float64(s1-s0)/ticksPerSecond/t1.Sub(t0).Seconds()*100,
		float64(v1-v0)/ticksPerSecond/t1.Sub(t0).Seconds()*100, misses, LoadAverage())
	res.perRound = append(res.perRound, line)
	fmt.Printf("latency: %s %s\n", res.label, line)
}

// helpNovice starts bin's ra-p2p as the helper on vd for the invitation
// file of novice (waiting for its helper), its config in configDir, and
// returns it once its window shows the novice's screen 1:1 from the
// window's origin over a direct TCP connection (ss reads its bytes).
func helpNovice(b *testing.B, vd *xdisplay.Display, bin string, novice *proc, file, configDir string) *proc {
	b.Helper()
	helper := startProc(b, []string{vd.Env(), "XDG_CONFIG_HOME=" + configDir},
		filepath.Join(bin, "ra-p2p"), "help", file, "--yes", "--name", "Bob", "--listen", "/ip4/127.0.0.1/tcp/0")
	win := vd.WaitWindow("Remote Assistance — Alice", 30*time.Second)
	vd.Move(win, 0, 0)
	vd.Do("xdotool", "windowfocus", "--sync", win) // no window manager gives it the focus
	conn := helper.waitFor(b, `Direct connection: (\S+)`, 60*time.Second)[1]
	if !strings.Contains(conn, "/tcp/") {
		b.Fatalf("the session runs over %s, not TCP: its wire bytes cannot be read with ss", conn)
	}
	novice.waitFor(b, `Bob can see your screen`, 20*time.Second)
	FullWindow(b, vd, win)
	return helper
}
