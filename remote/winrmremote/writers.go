package winrmremote

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"patchbay/remote/clixml"
)

// gate passes writes to w until it is shut, so that a command that goes
// on after Run returned cannot write into the caller's buffers.
type gate struct {
	mu   sync.Mutex
	w    io.Writer
	shut bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) close() {
	g.mu.Lock()
	g.shut = true
	g.mu.Unlock()
}

// utf8Writer passes valid UTF-8 through and writes each invalid byte as
// \xHH, so output in a legacy code page stays readable instead of turning
// into replacement characters. It holds back an incomplete sequence at
// the end of a write until the next write or Flush.
type utf8Writer struct {
	w       io.Writer
	pending []byte
}

func (u *utf8Writer) Write(p []byte) (int, error) {
	data := append(u.pending, p...)
	u.pending = nil
	var out bytes.Buffer
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r != utf8.RuneError || size > 1:
			out.Write(data[:size])
		case !utf8.FullRune(data):
			u.pending = bytes.Clone(data)
			data = nil
			continue
		default:
			fmt.Fprintf(&out, `\x%02X`, data[0])
		}
		data = data[size:]
	}
	if _, err := u.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a held-back incomplete sequence as escapes.
func (u *utf8Writer) Flush() error {
	var out bytes.Buffer
	for _, b := range u.pending {
		fmt.Fprintf(&out, `\x%02X`, b)
	}
	u.pending = nil
	_, err := u.w.Write(out.Bytes())
	return err
}

// errorStream collects a PowerShell error stream. Plain text passes
// through as it arrives. A stream that starts with "#< CLIXML" is held
// and decoded at Flush, because records can only be read whole.
type errorStream struct {
	w       io.Writer
	decided bool
	clixml  bool
	buf     bytes.Buffer
}

func (e *errorStream) Write(p []byte) (int, error) {
	if !e.decided {
		e.buf.Write(p)
		head := bytes.TrimLeft(e.buf.Bytes(), " \t\r\n")
		if len(head) < len(clixml.Header) && bytes.HasPrefix([]byte(clixml.Header), head) {
			return len(p), nil // not enough bytes yet to tell
		}
		e.decided, e.clixml = true, clixml.Is(e.buf.Bytes())
		if e.clixml {
			return len(p), nil
		}
		_, err := e.w.Write(e.buf.Bytes())
		e.buf.Reset()
		return len(p), err
	}
	if e.clixml {
		return e.buf.Write(p)
	}
	return e.w.Write(p)
}

// Flush writes the decoded records, or the raw stream when it does not
// decode.
func (e *errorStream) Flush() error {
	if !e.clixml {
		_, err := e.w.Write(e.buf.Bytes())
		return err
	}
	records, err := clixml.Decode(e.buf.Bytes())
	if err != nil && len(records) == 0 {
		_, err = e.w.Write(e.buf.Bytes())
		return err
	}
	_, err = io.WriteString(e.w, clixml.Format(records))
	return err
}
