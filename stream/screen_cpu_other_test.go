//go:build !unix

package stream

func processCPU() float64 { return 0 }
