package runner

import (
	"context"
	"sync"
)

// control is the pause and abort handle of a run. Its methods are safe
// to call from any goroutine, before or during Run.
type control struct {
	cmu         sync.Mutex
	cond        *sync.Cond
	paused      bool
	abortedFlag bool
	cancel      context.CancelFunc
}

func (c *control) init() { c.cond = sync.NewCond(&c.cmu) }

// bind attaches the run's cancel function and wakes paused waiters when
// ctx ends.
func (c *control) bind(ctx context.Context, cancel context.CancelFunc) {
	context.AfterFunc(ctx, func() {
		c.cmu.Lock()
		defer c.cmu.Unlock()
		c.cond.Broadcast()
	})
	c.cmu.Lock()
	defer c.cmu.Unlock()
	c.cancel = cancel
	if c.abortedFlag {
		cancel()
	}
}

// Pause stops new hosts from starting. Running hosts go on.
func (c *control) Pause() {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	c.paused = true
}

// Resume lets new hosts start again after Pause.
func (c *control) Resume() {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	c.paused = false
	c.cond.Broadcast()
}

// Abort cancels the running steps and starts no new host. Hosts that did
// not finish stay unfinished, so the run can be resumed.
func (c *control) Abort() {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	c.abortedFlag = true
	c.paused = false
	if c.cancel != nil {
		c.cancel()
	}
	c.cond.Broadcast()
}

// Paused reports whether the run is paused.
func (c *control) Paused() bool {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return c.paused
}

func (c *control) aborted() bool {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return c.abortedFlag
}

// waitUnpaused blocks while the run is paused. It returns false when the
// run was aborted or ctx ended.
func (c *control) waitUnpaused(ctx context.Context) bool {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	for c.paused && !c.abortedFlag && ctx.Err() == nil {
		c.cond.Wait()
	}
	return !c.abortedFlag && ctx.Err() == nil
}
