package lab

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is the time source of the lab. Hosts use it for boot times, reboot
// durations and the delays of the slow fault, so tests can run a reboot in
// microseconds with a ManualClock.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed: SystemClock in a goroutine of its
	// own, ManualClock inside Advance. The returned function cancels the call
	// and reports whether it did so before f ran.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// sleep waits for d on clock, or until ctx ends, whichever comes first.
func sleep(ctx context.Context, clock Clock, d time.Duration) error {
	done := make(chan struct{})
	stop := clock.AfterFunc(d, func() { close(done) })
	defer stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ManualClock is a Clock that moves only when Advance is called. It is safe
// for concurrent use.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

// NewManualClock returns a ManualClock that starts at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current instant.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for d after the current instant. A zero or negative
// d still waits for the next Advance.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock forward by d and runs, in time order and in the
// caller's goroutine, every timer that fell due. Timers that those calls
// schedule within the advanced span run too.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		t := c.nextDue(end)
		if t == nil {
			break
		}
		t.f()
	}
	c.mu.Lock()
	c.now = end
	c.mu.Unlock()
}

// nextDue removes and returns the earliest live timer due by end, moving
// the clock to its instant, or returns nil.
func (c *ManualClock) nextDue(end time.Time) *manualTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	for len(c.timers) > 0 {
		t := c.timers[0]
		if t.at.After(end) {
			return nil
		}
		c.timers = c.timers[1:]
		if t.stopped {
			continue
		}
		t.stopped = true
		if t.at.After(c.now) {
			c.now = t.at
		}
		return t
	}
	return nil
}
