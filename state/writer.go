package state

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"patchbay/state/event"
)

// ErrWriterClosed is returned by Writer methods called after Close.
var ErrWriterClosed = errors.New("journal writer is closed")

// WriterOptions configures a Writer. Zero fields take the defaults.
type WriterOptions struct {
	// Buffer is the number of events that Write queues before it blocks.
	// The default is 8192.
	Buffer int
	// MaxBatch is the maximum number of records committed in one
	// transaction. The default is 4096.
	MaxBatch int
	// OnCommit, when set, is called on the writer's goroutine after each
	// batch with the records as stored, or with the error that stopped the
	// writer. A record passed to OnCommit without an error is durable, so
	// the caller may show it as done. OnCommit must not call the Writer.
	OnCommit func([]event.Record, error)
}

// Writer appends events asynchronously: callers queue events with Write and
// one goroutine commits them in batches, each batch in one transaction.
// After a failed commit the Writer stops and every later call returns the
// error.
type Writer struct {
	store *Store
	opts  WriterOptions
	in    chan writeRequest
	done  chan struct{}

	mu     sync.RWMutex // guards closed against sends to in
	closed bool

	errMu sync.Mutex
	err   error
}

// writeRequest is either a prepared record or, with flush set, a request
// for a reply on flush once everything queued before it is committed.
type writeRequest struct {
	rec   event.Record
	flush chan error
}

// NewWriter starts a Writer on s. Close it to stop its goroutine.
func (s *Store) NewWriter(opts WriterOptions) *Writer {
	if opts.Buffer <= 0 {
		opts.Buffer = 8192
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	w := &Writer{store: s, opts: opts, in: make(chan writeRequest, opts.Buffer), done: make(chan struct{})}
	go w.loop()
	return w
}

// Write queues e. It returns once e is queued, not committed; use OnCommit
// or Flush to learn when it is durable. Encoding and redaction happen here,
// so an invalid payload fails at once.
func (w *Writer) Write(ctx context.Context, e event.Event) error {
	rec, err := w.store.prepare(e)
	if err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return w.send(ctx, writeRequest{rec: rec})
}

// Flush waits until every event queued before it is committed and returns
// the error that stopped the writer, if any.
func (w *Writer) Flush(ctx context.Context) error {
	ack := make(chan error, 1)
	if err := w.send(ctx, writeRequest{flush: ack}); err != nil {
		return err
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued, stops the goroutine and returns the error
// that stopped the writer, if any. Calling Close again returns nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.in)
	w.mu.Unlock()

	<-w.done
	return w.failure()
}

func (w *Writer) send(ctx context.Context, req writeRequest) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	if err := w.failure(); err != nil {
		return err
	}
	select {
	case w.in <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) failure() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

// loop commits batches until in is closed: it blocks for one request, then
// takes whatever else is queued, up to MaxBatch records.
func (w *Writer) loop() {
	defer close(w.done)
	for req := range w.in {
		batch := []event.Record{}
		var flushes []chan error
		batch, flushes = w.collect(req, batch, flushes)
		w.commit(batch, flushes)
	}
}

func (w *Writer) collect(req writeRequest, batch []event.Record, flushes []chan error) ([]event.Record, []chan error) {
	for {
		if req.flush != nil {
			flushes = append(flushes, req.flush)
		} else {
			batch = append(batch, req.rec)
		}
		if len(batch) >= w.opts.MaxBatch {
			return batch, flushes
		}
		var ok bool
		select {
		case req, ok = <-w.in:
			if !ok {
				return batch, flushes
			}
		default:
			return batch, flushes
		}
	}
}

// commit stores batch and replies to the flush requests. Once the writer has
// failed, later batches are passed to OnCommit with the error, unstored.
func (w *Writer) commit(batch []event.Record, flushes []chan error) {
	if len(batch) > 0 {
		err := w.failure()
		if err == nil {
			var stored []event.Record
			stored, err = w.store.commit(context.Background(), batch, false, nil)
			if err == nil {
				batch = stored
			}
			w.setFailure(err)
		}
		if w.opts.OnCommit != nil {
			w.opts.OnCommit(batch, err)
		}
	}
	err := w.failure()
	for _, ack := range flushes {
		ack <- err
	}
}

func (w *Writer) setFailure(err error) {
	if err == nil {
		return
	}
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.err == nil {
		w.err = err
	}
}
