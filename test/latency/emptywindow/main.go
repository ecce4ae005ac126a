// Command emptywindow is the floor under the helper window's memory
// (BenchmarkHelperMemory): an Ebiten window of the given size, made with the
// helper window's own settings (drawn only on a change, no vsync), that
// draws nothing but its background, once and after each resize. Whatever the helper uses above it
// is the project's, not the toolkit's or the OpenGL stack's.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"os"

	"github.com/hajimehoshi/ebiten/v2"
)

type empty struct {
	drawn bool
	size  [2]int // the size drawn at
}

func (*empty) Update() error { return nil }

func (e *empty) Draw(screen *ebiten.Image) {
	if size := [2]int{screen.Bounds().Dx(), screen.Bounds().Dy()}; size != e.size {
		e.size, e.drawn = size, false
	}
	if !e.drawn {
		screen.Fill(color.RGBA{0xf3, 0xf4, 0xf6, 0xff})
		e.drawn = true
	}
}

func (*empty) Layout(w, h int) (int, int) { return w, h }

func main() {
	w := flag.Int("width", 1280, "window width")
	h := flag.Int("height", 800, "window height")
	flag.Parse()
	ebiten.SetWindowTitle("empty window")
	ebiten.SetWindowSize(*w, *h)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled) // as the helper's
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetVsyncEnabled(false)
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)
	ebiten.SetTPS(ebiten.SyncWithFPS)
	fmt.Println("empty window open")
	if err := ebiten.RunGame(&empty{}); err != nil {
		fmt.Fprintln(os.Stderr, "emptywindow:", err)
		os.Exit(1)
	}
}
