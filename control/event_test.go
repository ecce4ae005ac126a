package control

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/ra-p2p/ra-p2p/desktop"
)

func TestValidate(t *testing.T) {
	const w, h = 1280, 720
	good := map[string]desktop.Event{
		"move to the origin":            {Kind: desktop.MouseMove, X: 0, Y: 0},
		"move to the last pixel":        {Kind: desktop.MouseMove, X: w - 1, Y: h - 1},
		"left button":                   {Kind: desktop.MouseButton, X: 5, Y: 5, Button: 1, Down: true},
		"right button release":          {Kind: desktop.MouseButton, X: 5, Y: 5, Button: 3},
		"wheel down 10":                 {Kind: desktop.Wheel, X: 1, Y: 1, DY: 10},
		"wheel left 10":                 {Kind: desktop.Wheel, X: 1, Y: 1, DX: -10},
		"Return":                        {Kind: desktop.Key, Key: "Return", Down: true},
		"BackSpace":                     {Kind: desktop.Key, Key: "BackSpace"},
		"Escape":                        {Kind: desktop.Key, Key: "Escape", Down: true},
		"F5":                            {Kind: desktop.Key, Key: "F5"},
		"Shift_L":                       {Kind: desktop.Key, Key: "Shift_L"},
		"Control_L":                     {Kind: desktop.Key, Key: "Control_L"},
		"a":                             {Kind: desktop.Key, Key: "a"},
		"eacute":                        {Kind: desktop.Key, Key: "eacute"},
		"an alias (Page_Up)":            {Kind: desktop.Key, Key: "Page_Up"},
		"a Unicode keysym name":         {Kind: desktop.Key, Key: "U65E5"},
		"Unicode text":                  {Kind: desktop.Text, Text: "é ß 日本"},
		"newline and tab":               {Kind: desktop.Text, Text: "a\tb\n"},
		"256 bytes of text":             {Kind: desktop.Text, Text: strings.Repeat("é", 128)},
		"format characters are text":    {Kind: desktop.Text, Text: "a\u200bb"},
		"fields of other kinds ignored": {Kind: desktop.MouseMove, X: 3, Y: 3, Button: 99, DX: 1000, Key: "??", Text: "\x00"},
	}
	if runtime.GOOS != "windows" { // Windows knows only the keysyms it has keys for (keysym_windows.go)
		good["XF86Copy"] = desktop.Event{Kind: desktop.Key, Key: "XF86Copy"}
	}
	for name, e := range good {
		if err := Validate(e, w, h); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]desktop.Event{
		"x = width":                     {Kind: desktop.MouseMove, X: w, Y: 0},
		"y = height":                    {Kind: desktop.MouseMove, X: 0, Y: h},
		"negative x":                    {Kind: desktop.MouseMove, X: -1, Y: 0},
		"huge y":                        {Kind: desktop.MouseMove, X: 0, Y: 1 << 40},
		"button off the screen":         {Kind: desktop.MouseButton, X: -5, Y: 5, Button: 1},
		"button 0":                      {Kind: desktop.MouseButton, X: 5, Y: 5, Button: 0},
		"button 4 (wheel as a button)":  {Kind: desktop.MouseButton, X: 5, Y: 5, Button: 4},
		"button -1":                     {Kind: desktop.MouseButton, X: 5, Y: 5, Button: -1},
		"wheel 11":                      {Kind: desktop.Wheel, X: 1, Y: 1, DY: 11},
		"wheel -1000":                   {Kind: desktop.Wheel, X: 1, Y: 1, DX: -1000},
		"wheel off the screen":          {Kind: desktop.Wheel, X: w, Y: 1, DY: 1},
		"empty key":                     {Kind: desktop.Key},
		"unknown keysym":                {Kind: desktop.Key, Key: "NoSuchKeyAtAll"},
		"keysym with a space":           {Kind: desktop.Key, Key: "Return "},
		"keysym with a dash":            {Kind: desktop.Key, Key: "Shift-L"},
		"keysym of 33 bytes":            {Kind: desktop.Key, Key: strings.Repeat("a", 33)},
		"numeric keysym":                {Kind: desktop.Key, Key: "0xff1b"},
		"Terminate_Server":              {Kind: desktop.Key, Key: "Terminate_Server"},
		"switch to a virtual terminal":  {Kind: desktop.Key, Key: "XF86Switch_VT_1"},
		"break grabs":                   {Kind: desktop.Key, Key: "XF86Ungrab"},
		"mouse keys":                    {Kind: desktop.Key, Key: "Pointer_EnableKeys"},
		"a click through mouse keys":    {Kind: desktop.Key, Key: "Pointer_Button1"},
		"power off":                     {Kind: desktop.Key, Key: "XF86PowerOff"},
		"a Unicode control as a keysym": {Kind: desktop.Key, Key: "U009B"},
		"empty text":                    {Kind: desktop.Text},
		"257 bytes of text":             {Kind: desktop.Text, Text: strings.Repeat("a", 257)},
		"invalid UTF-8":                 {Kind: desktop.Text, Text: "a\xffb"},
		"escape character in text":      {Kind: desktop.Text, Text: "\x1b[2J"},
		"carriage return":               {Kind: desktop.Text, Text: "a\rb"},
		"DEL":                           {Kind: desktop.Text, Text: "\x7f"},
		"C1 control":                    {Kind: desktop.Text, Text: "\u009b"},
		"NUL":                           {Kind: desktop.Text, Text: "\x00"},
		"unknown kind":                  {Kind: 9},
		"zero event":                    {},
	}
	for name, e := range bad {
		err := Validate(e, w, h)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("%s: %v does not wrap ErrInvalidEvent", name, err)
		}
	}
	if err := Validate(desktop.Event{Kind: desktop.MouseMove}, 0, 0); err == nil {
		t.Error("a move is valid on a screen of unknown size")
	}
}

func TestKeysymForRune(t *testing.T) {
	for r, want := range map[rune]uint32{'a': 0x61, '~': 0x7e, 'é': 0xe9, 'ß': 0xdf, '日': 0x10065e5, '€': 0x10020ac, '\n': xkReturn, '\t': xkTab} {
		if got := keysymForRune(r); got != want {
			t.Errorf("keysymForRune(%q) = %#x, want %#x", r, got, want)
		}
	}
}
