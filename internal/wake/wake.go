// Package wake is the one-slot wake-up the screen path's goroutines use:
// a channel of capacity one that says "something changed, look again",
// however many times it was said.
//
// It must never block the caller nor carry data: the receiver looks at
// the state itself.
package wake

// Signal wakes whoever waits on ch (capacity one) without waiting: a
// wake-up already pending stands for this one too.
func Signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
