package stream

import (
	"reflect"
	"testing"
)

func TestInputQueueCollapsesMovesKeepsTheRest(t *testing.T) {
	q := NewInputQueue()
	move := func(x int) InputEvent { return InputEvent{Kind: InputMouseMove, X: x, Y: x} }
	down := InputEvent{Kind: InputMouseButton, Button: 1, Down: true, X: 3, Y: 3}
	up := InputEvent{Kind: InputMouseButton, Button: 1, X: 9, Y: 9}
	text := InputEvent{Kind: InputText, Text: "é"}
	for _, e := range []InputEvent{move(1), move(2), move(3), down, move(4), move(9), up, text, move(10)} {
		q.Push(e)
	}
	select {
	case <-q.Ready():
	default:
		t.Fatal("Ready was not signalled after Push")
	}
	want := []InputEvent{move(3), down, move(9), up, text, move(10)}
	if got := q.Take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Take = %+v\nwant %+v", got, want)
	}
	if got := q.Take(); len(got) != 0 {
		t.Fatalf("second Take = %+v, want nothing", got)
	}
}
