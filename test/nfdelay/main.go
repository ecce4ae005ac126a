//go:build linux

// Command nfdelay holds every packet of a netfilter queue for a constant time
// and then accepts it, in arrival order. It stands in for netem's delay on
// kernels without sch_netem; the network lab of package netlab runs one in
// each home router:
//
//	iptables -t raw -A PREROUTING -i wan -j NFQUEUE --queue-num 0 --queue-bypass
//	nfdelay -queue 0 -delay 20ms
//
// With -jitter each packet is held the delay give or take up to that much
// (uniformly, but never let through before the packet ahead of it: a
// queue's jitter, without reordering); with -loss that share of the packets
// is dropped, each on its own chance (-seed makes a run repeatable).
// Nothing else is dropped on purpose. The kernel queue is bounded (-maxlen) and
// opened fail-open, so when it is full the kernel lets new packets through at
// once instead of dropping them; with --queue-bypass packets also pass while
// no nfdelay is running. Only packet metadata is copied to user space.
//
// nfdelay prints "nfdelay: ready" once it is bound to the queue and a line of
// counters when it exits on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue"
	"github.com/mdlayher/netlink"
)

func main() {
	queue := flag.Uint("queue", 0, "netfilter queue number (0-65535)")
	delay := flag.Duration("delay", 20*time.Millisecond, "how long to hold each packet")
	jitter := flag.Duration("jitter", 0, "hold each packet -delay give or take up to this much (never before the packet ahead of it)")
	loss := flag.Float64("loss", 0, "the share of packets to drop, 0-1, each on its own chance")
	seed := flag.Uint64("seed", 1, "seed of the losses and the jitter")
	maxLen := flag.Uint("maxlen", 16384, "most packets held at once (1.6 s of 10k packets/s); the kernel accepts further packets at once")
	flag.Parse()
	if *queue > 65535 || *delay < 0 || *jitter < 0 || *loss < 0 || *loss > 1 || *maxLen == 0 {
		fmt.Fprintln(os.Stderr, "nfdelay: -queue must be 0-65535, -delay and -jitter not negative, -loss 0-1, -maxlen above 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, uint16(*queue), newDelayer(*delay, *jitter, *loss, *seed, int(*maxLen), nil), uint32(*maxLen)); err != nil {
		fmt.Fprintln(os.Stderr, "nfdelay:", err)
		os.Exit(1)
	}
}

// run binds d to the kernel queue and runs it until ctx ends.
func run(ctx context.Context, queue uint16, d *delayer, maxLen uint32) error {
	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:     queue,
		MaxQueueLen: maxLen,
		Copymode:    nfqueue.NfQnlCopyMeta,
		// Fail open when the queue is full; GSO packets need no
		// segmentation since the payload is never looked at.
		Flags:        nfqueue.NfQaCfgFlagFailOpen | nfqueue.NfQaCfgFlagGSO,
		AfFamily:     syscall.AF_INET,
		WriteTimeout: time.Second,
	})
	if err != nil {
		return fmt.Errorf("opening queue %d: %w", queue, err)
	}
	defer nf.Close()
	// A lost notification only delays its packet until the next batch
	// verdict (which covers every older id), so ENOBUFS is not an error.
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		return fmt.Errorf("setting NoENOBUFS: %w", err)
	}
	_ = nf.Con.SetReadBuffer(4 << 20)

	d.v = nfVerdicts{nf}
	recvCtx, cancelRecv := context.WithCancel(ctx)
	defer cancelRecv()

	var recvErr error
	failed := make(chan struct{})
	onPacket := func(a nfqueue.Attribute) int {
		if a.PacketID != nil {
			d.push(*a.PacketID, time.Now())
		}
		return 0
	}
	onError := func(err error) int {
		if recvCtx.Err() != nil {
			return 1
		}
		var opErr *netlink.OpError
		if errors.As(err, &opErr) && (opErr.Timeout() || errors.Is(opErr.Err, syscall.ENOBUFS)) {
			return 0
		}
		recvErr = err
		close(failed)
		return 1
	}
	if err := nf.RegisterWithErrorFunc(recvCtx, onPacket, onError); err != nil {
		return fmt.Errorf("binding to queue %d: %w", queue, err)
	}
	fmt.Printf("nfdelay: ready queue=%d delay=%v jitter=%v loss=%g maxlen=%d\n", queue, d.delay, d.jitter, d.loss, maxLen)

	runCtx, cancelRun := context.WithCancel(ctx)
	go func() {
		select {
		case <-failed:
		case <-ctx.Done():
		}
		cancelRun()
	}()
	d.run(runCtx) // returns after accepting everything it held
	cancelRecv()
	st := d.stats()
	fmt.Printf("nfdelay: done packets=%d dropped=%d failopen=%d verdict_errors=%d\n", st.packets, st.dropped, st.failOpen, st.verdictErrors)
	if recvErr != nil {
		return fmt.Errorf("receiving from queue %d: %w", queue, recvErr)
	}
	return nil
}

// nfVerdicts sends verdicts to the kernel queue.
type nfVerdicts struct{ nf *nfqueue.Nfqueue }

func (v nfVerdicts) accept(id uint32) error { return v.nf.SetVerdict(id, nfqueue.NfAccept) }

// acceptUpTo accepts every queued packet whose id is not after id.
func (v nfVerdicts) acceptUpTo(id uint32) error { return v.nf.SetVerdictBatch(id, nfqueue.NfAccept) }

func (v nfVerdicts) drop(id uint32) error { return v.nf.SetVerdict(id, nfqueue.NfDrop) }
