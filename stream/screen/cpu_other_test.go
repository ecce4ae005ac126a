//go:build !unix

package screen

func processCPU() float64 { return 0 }
