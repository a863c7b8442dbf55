package redact

import (
	"io"
	"sync"
)

// Writer redacts each Write before passing it to the underlying writer.
// log/slog's text and JSON handlers write one whole record per Write, so
// wrapping a log file in a Writer redacts every log line.
//
// NOTE: a secret split across two Write calls is not found.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
	r  *Redactor
}

// NewWriter returns a Writer that redacts with r and writes to w.
func NewWriter(w io.Writer, r *Redactor) *Writer {
	return &Writer{w: w, r: r}
}

// Write redacts p and writes it. It reports len(p) on success, since the
// redacted bytes differ in length.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, w.r.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
