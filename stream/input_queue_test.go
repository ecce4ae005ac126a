package stream

import (
	"reflect"
	"testing"

	"github.com/ra-p2p/ra-p2p/desktop"
)

func TestInputQueueCollapsesMovesKeepsTheRest(t *testing.T) {
	q := NewInputQueue()
	move := func(x int) desktop.Event { return desktop.Event{Kind: desktop.MouseMove, X: x, Y: x} }
	down := desktop.Event{Kind: desktop.MouseButton, Button: 1, Down: true, X: 3, Y: 3}
	up := desktop.Event{Kind: desktop.MouseButton, Button: 1, X: 9, Y: 9}
	text := desktop.Event{Kind: desktop.Text, Text: "é"}
	for _, e := range []desktop.Event{move(1), move(2), move(3), down, move(4), move(9), up, text, move(10)} {
		q.Push(e)
	}
	select {
	case <-q.Ready():
	default:
		t.Fatal("Ready was not signalled after Push")
	}
	want := []desktop.Event{move(3), down, move(9), up, text, move(10)}
	if got := q.Take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Take = %+v\nwant %+v", got, want)
	}
	if got := q.Take(); len(got) != 0 {
		t.Fatalf("second Take = %+v, want nothing", got)
	}
}
