package control

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const w, h = 1280, 720
	good := map[string]Event{
		"move to the origin":            {Kind: MouseMove, X: 0, Y: 0},
		"move to the last pixel":        {Kind: MouseMove, X: w - 1, Y: h - 1},
		"left button":                   {Kind: MouseButton, X: 5, Y: 5, Button: 1, Down: true},
		"right button release":          {Kind: MouseButton, X: 5, Y: 5, Button: 3},
		"wheel down 10":                 {Kind: Wheel, X: 1, Y: 1, DY: 10},
		"wheel left 10":                 {Kind: Wheel, X: 1, Y: 1, DX: -10},
		"Return":                        {Kind: Key, Key: "Return", Down: true},
		"BackSpace":                     {Kind: Key, Key: "BackSpace"},
		"Escape":                        {Kind: Key, Key: "Escape", Down: true},
		"F5":                            {Kind: Key, Key: "F5"},
		"Shift_L":                       {Kind: Key, Key: "Shift_L"},
		"Control_L":                     {Kind: Key, Key: "Control_L"},
		"a":                             {Kind: Key, Key: "a"},
		"eacute":                        {Kind: Key, Key: "eacute"},
		"an alias (Page_Up)":            {Kind: Key, Key: "Page_Up"},
		"XF86Copy":                      {Kind: Key, Key: "XF86Copy"},
		"a Unicode keysym name":         {Kind: Key, Key: "U65E5"},
		"Unicode text":                  {Kind: Text, Text: "é ß 日本"},
		"newline and tab":               {Kind: Text, Text: "a\tb\n"},
		"256 bytes of text":             {Kind: Text, Text: strings.Repeat("é", 128)},
		"format characters are text":    {Kind: Text, Text: "a\u200bb"},
		"fields of other kinds ignored": {Kind: MouseMove, X: 3, Y: 3, Button: 99, DX: 1000, Key: "??", Text: "\x00"},
	}
	for name, e := range good {
		if err := e.Validate(w, h); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]Event{
		"x = width":                     {Kind: MouseMove, X: w, Y: 0},
		"y = height":                    {Kind: MouseMove, X: 0, Y: h},
		"negative x":                    {Kind: MouseMove, X: -1, Y: 0},
		"huge y":                        {Kind: MouseMove, X: 0, Y: 1 << 40},
		"button off the screen":         {Kind: MouseButton, X: -5, Y: 5, Button: 1},
		"button 0":                      {Kind: MouseButton, X: 5, Y: 5, Button: 0},
		"button 4 (wheel as a button)":  {Kind: MouseButton, X: 5, Y: 5, Button: 4},
		"button -1":                     {Kind: MouseButton, X: 5, Y: 5, Button: -1},
		"wheel 11":                      {Kind: Wheel, X: 1, Y: 1, DY: 11},
		"wheel -1000":                   {Kind: Wheel, X: 1, Y: 1, DX: -1000},
		"wheel off the screen":          {Kind: Wheel, X: w, Y: 1, DY: 1},
		"empty key":                     {Kind: Key},
		"unknown keysym":                {Kind: Key, Key: "NoSuchKeyAtAll"},
		"keysym with a space":           {Kind: Key, Key: "Return "},
		"keysym with a dash":            {Kind: Key, Key: "Shift-L"},
		"keysym of 33 bytes":            {Kind: Key, Key: strings.Repeat("a", 33)},
		"numeric keysym":                {Kind: Key, Key: "0xff1b"},
		"Terminate_Server":              {Kind: Key, Key: "Terminate_Server"},
		"switch to a virtual terminal":  {Kind: Key, Key: "XF86Switch_VT_1"},
		"break grabs":                   {Kind: Key, Key: "XF86Ungrab"},
		"mouse keys":                    {Kind: Key, Key: "Pointer_EnableKeys"},
		"a click through mouse keys":    {Kind: Key, Key: "Pointer_Button1"},
		"power off":                     {Kind: Key, Key: "XF86PowerOff"},
		"a Unicode control as a keysym": {Kind: Key, Key: "U009B"},
		"empty text":                    {Kind: Text},
		"257 bytes of text":             {Kind: Text, Text: strings.Repeat("a", 257)},
		"invalid UTF-8":                 {Kind: Text, Text: "a\xffb"},
		"escape character in text":      {Kind: Text, Text: "\x1b[2J"},
		"carriage return":               {Kind: Text, Text: "a\rb"},
		"DEL":                           {Kind: Text, Text: "\x7f"},
		"C1 control":                    {Kind: Text, Text: "\u009b"},
		"NUL":                           {Kind: Text, Text: "\x00"},
		"unknown kind":                  {Kind: 9},
		"zero event":                    {},
	}
	for name, e := range bad {
		err := e.Validate(w, h)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("%s: %v does not wrap ErrInvalidEvent", name, err)
		}
	}
	if err := (Event{Kind: MouseMove}).Validate(0, 0); err == nil {
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
