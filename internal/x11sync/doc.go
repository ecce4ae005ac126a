// Package x11sync is a synchronous connection to an X server for the few
// requests of the screen capture's hot path: the caller queues requests,
// sends them in one write and reads their replies (and the events between
// them) itself, on its own goroutine.
//
// Why not xgb for these: xgb hands every request to a writer goroutine and
// waits for it, and every reply and event comes through a reader goroutine,
// so one grab of the screen (five requests, two round trips) was about a
// dozen hand-offs between goroutines; on the novice sharing a scrolling
// xterm, xgb's goroutines were 8.7 % of her samples. Here a round trip is
// one write and usually one read. It saved less than that: the rig's
// novice went 6.1–6.2 → 5.8–6.0 %, Go's netpoller parking the reading
// goroutine where xgb's used to (docs/DESIGN.md, "Fewer hand-offs").
//
// It must never start a goroutine, nor be used by two goroutines at once: its
// owner serialises it (capture's Grabber holds its mutex). It knows the
// requests capture needs and no others; setup-time work with replies that
// are parsed once (the visual, the cursor's image) stays with xgb.
package x11sync
