package actions

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// installWatch collects a command's output and cancels the command when
// stopOn matches the output so far, such as a prompt that no one can
// answer over SSH, or when nothing arrives for idle.
type installWatch struct {
	stopOn func(output string) bool
	ctx    context.Context
	cancel context.CancelFunc
	idle   time.Duration
	timer  *time.Timer
	silent atomic.Bool

	mu  sync.Mutex
	out strings.Builder
}

func newInstallWatch(ctx context.Context, idle time.Duration, stopOn func(string) bool) *installWatch {
	w := &installWatch{idle: idle, stopOn: stopOn}
	w.ctx, w.cancel = context.WithCancel(ctx)
	w.timer = time.AfterFunc(idle, func() {
		w.silent.Store(true)
		w.cancel()
	})
	return w
}

// Write records p, restarts the idle timer and cancels the command when
// stopOn matches.
func (w *installWatch) Write(p []byte) (int, error) {
	w.timer.Reset(w.idle)
	w.mu.Lock()
	w.out.Write(p)
	text := w.out.String()
	w.mu.Unlock()
	if w.stopOn(text) {
		w.cancel()
	}
	return len(p), nil
}

func (w *installWatch) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// stalled reports whether the idle timer cancelled the command.
func (w *installWatch) stalled() bool { return w.silent.Load() }

func (w *installWatch) stop() {
	w.timer.Stop()
	w.cancel()
}
