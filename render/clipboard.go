package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// The X clipboard goes through xclip (Debian package xclip): an owner of
// the CLIPBOARD selection must answer every program that asks for it for as
// long as the text is on the clipboard, which xclip does from a process of
// its own, also after the window has closed. Ebiten has no clipboard.

// readClipboard returns the text on the X clipboard.
func readClipboard(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-o").Output()
	if err != nil {
		return "", fmt.Errorf("reading the clipboard (xclip): %w", err)
	}
	return string(out), nil
}

// CopyText puts s on the X clipboard, for a window's step that offers
// "Copy" (any goroutine).
func CopyText(ctx context.Context, s string) error { return writeClipboard(ctx, s) }

// writeClipboard puts s on the X clipboard.
func writeClipboard(ctx context.Context, s string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-i")
	cmd.Stdin = strings.NewReader(s)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// xclip forks the owner and exits; the owner keeps our stderr pipe
	// until another program takes the clipboard, and Run waited for it (a
	// "Copied" line came one copy late, and closing the window waited).
	cmd.WaitDelay = 200 * time.Millisecond
	if err := cmd.Run(); err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		return fmt.Errorf("writing the clipboard (xclip): %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// oneLine makes pasted text fit the one-line chat box: its line breaks
// and tabs become spaces.
func oneLine(s string) string {
	s = strings.TrimRight(s, "\r\n")
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// clipboardKeys handles Ctrl+V (paste into the chat box, when it has the
// keyboard) and Ctrl+C: it copies the chat box's selection, or else the
// messages selected in the history, or else (in the chat box) the other
// side's last message (game goroutine). The clipboard is read and written
// off the game goroutine; a paste lands through update.
func (p *panel) clipboardKeys() {
	if !ebiten.IsKeyPressed(ebiten.KeyControl) {
		return
	}
	if len(p.open) > 0 {
		// A dialog's line takes a paste (an invitation from a chat); a
		// password box does not show what it holds, and takes it too.
		if top := p.open[len(p.open)-1]; top.pw != nil && inpututil.IsKeyJustPressed(ebiten.KeyV) {
			p.bg.Go(func() {
				s, err := readClipboard(p.bgCtx)
				if err != nil {
					return // nothing to paste: the line stays as it is
				}
				p.update(func() { p.pastedDialog = append(p.pastedDialog, oneLine(s)) })
			})
		}
		return
	}
	inBox := p.input.IsFocused()
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyV):
		if !inBox || p.input.GetWidget().Disabled {
			return
		}
		p.bg.Go(func() {
			s, err := readClipboard(p.bgCtx)
			if err != nil {
				p.Post(Entry{Text: "Nothing was pasted: " + err.Error()})
				return
			}
			p.update(func() { p.pasted = append(p.pasted, oneLine(s)) })
		})
	case inpututil.IsKeyJustPressed(ebiten.KeyC):
		var s, what string
		if inBox {
			s = p.input.SelectedText()
		}
		if s == "" {
			s = p.hist.selectedText()
		}
		if s == "" && inBox {
			s, what = p.lastFromPeer, "Copied "+p.cfg.PeerName+"'s last message."
		}
		if s == "" {
			return
		}
		p.bg.Go(func() {
			if err := writeClipboard(p.bgCtx, s); err != nil {
				p.Post(Entry{Text: "Nothing was copied: " + err.Error()})
				return
			}
			if what != "" {
				p.Post(Entry{Text: what})
			}
		})
	}
}
