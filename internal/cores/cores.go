package cores

import (
	"os"
	"runtime"
	"sync"
)

var (
	mu   sync.Mutex
	one  int // holds asking for one thread
	all  int // holds asking for the default
	user = os.Getenv("GOMAXPROCS") != ""
)

// One asks that Go code run on one thread until release is called, unless
// an All hold is active. Holds nest; release may be called more than once.
func One() (release func()) { return hold(&one) }

// All asks for the runtime's default number of threads until release is
// called, whatever One holds are active.
func All() (release func()) { return hold(&all) }

func hold(count *int) func() {
	mu.Lock()
	*count++
	apply()
	mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			*count--
			apply()
			mu.Unlock()
		})
	}
}

// apply sets GOMAXPROCS to what the holds ask (mu held). Only changes are
// made: each call stops the world for a moment.
func apply() {
	if user {
		return
	}
	narrow := one > 0 && all == 0
	switch n := runtime.GOMAXPROCS(0); {
	case narrow && n != 1:
		runtime.GOMAXPROCS(1)
	case !narrow && n == 1:
		// The default also follows the CPU limit of a container, which a
		// number set here would stop.
		runtime.SetDefaultGOMAXPROCS()
	}
}
