package redact

import "unicode/utf8"

// Stream redacts a byte stream that arrives in pieces, such as a step's
// output, so that a secret split across two pieces is still replaced. It
// holds back the last bytes of each piece, fewer than the longest secret
// form, until the next piece or Flush. It is not safe for concurrent use.
type Stream struct {
	r       *Redactor
	emit    func([]byte)
	pending []byte
}

// NewStream returns a Stream that passes redacted bytes to emit.
func (r *Redactor) NewStream(emit func([]byte)) *Stream {
	return &Stream{r: r, emit: emit}
}

// Write redacts p together with the bytes held back so far and emits what
// no later piece can complete into a secret. It returns len(p) and a nil
// error, as io.Writer requires.
func (s *Stream) Write(p []byte) (int, error) {
	out := []byte(s.r.Redact(string(s.pending) + string(p)))
	cut := len(out) - s.holdBack()
	if cut <= 0 {
		s.pending = out
		return len(p), nil
	}
	// Cut at a UTF-8 character boundary so each emitted piece stays valid
	// text when the stream is UTF-8.
	for back := 0; back < utf8.UTFMax && cut > 0 && cut < len(out) && !utf8.RuneStart(out[cut]); back++ {
		cut--
	}
	if cut > 0 {
		s.emit(out[:cut])
	}
	s.pending = append([]byte(nil), out[cut:]...)
	return len(p), nil
}

// Flush emits the bytes held back, at the end of the stream.
func (s *Stream) Flush() {
	if len(s.pending) > 0 {
		s.emit(s.pending)
		s.pending = nil
	}
}

// holdBack returns how many trailing bytes may still begin a secret form.
func (s *Stream) holdBack() int {
	s.r.mu.RLock()
	defer s.r.mu.RUnlock()
	if len(s.r.forms) == 0 {
		return 0
	}
	return len(s.r.forms[0]) - 1 // forms are sorted longest first
}
