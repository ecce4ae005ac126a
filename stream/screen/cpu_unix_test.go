//go:build unix

package screen

import "syscall"

// processCPU is the CPU time the process has used, in seconds: benchmarks
// report it per frame because wall time on a shared 2-core machine depends
// on the neighbours.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
