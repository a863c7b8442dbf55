package sshremote

import (
	"io"
	"sync"
	"time"
)

// idleWatch forwards a command's output to the caller's writers until it
// is closed, and fires when no output arrived for its timeout. A zero
// timeout never fires.
type idleWatch struct {
	timeout time.Duration
	timer   *time.Timer
	mu      sync.Mutex
	closed  bool
}

func newIdleWatch(timeout time.Duration) *idleWatch {
	w := &idleWatch{timeout: timeout}
	if timeout > 0 {
		w.timer = time.NewTimer(timeout)
	}
	return w
}

// expired returns the channel that receives when the output went idle, or
// nil, which never receives, when there is no timeout.
func (w *idleWatch) expired() <-chan time.Time {
	if w.timer == nil {
		return nil
	}
	return w.timer.C
}

func (w *idleWatch) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// close stops forwarding output, so nothing reaches the caller's writers
// after Run returned.
func (w *idleWatch) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// wrap returns a writer that forwards to out while the watch is open and
// restarts the idle timer on every write. A nil out discards the output.
func (w *idleWatch) wrap(out io.Writer) io.Writer {
	if out == nil {
		out = io.Discard
	}
	return &idleWriter{out: out, watch: w}
}

type idleWriter struct {
	out   io.Writer
	watch *idleWatch
}

func (i *idleWriter) Write(p []byte) (int, error) {
	i.watch.mu.Lock()
	defer i.watch.mu.Unlock()
	if i.watch.closed {
		return len(p), nil
	}
	if i.watch.timer != nil {
		i.watch.timer.Reset(i.watch.timeout)
	}
	return i.out.Write(p)
}
