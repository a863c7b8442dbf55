package wsman

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
)

// maxChunk caps the output bytes in one Receive response, as WinRM sends
// long output over several responses.
const maxChunk = 128 << 10

// shell is one remote shell created by a client.
type shell struct {
	id       string
	user     string
	lost     chan struct{} // closed when the shell is lost or deleted
	mu       sync.Mutex
	commands map[string]*command
}

// command is one command running in a shell.
type command struct {
	id     string
	cancel context.CancelFunc
	stdin  *inbox
	wake   chan struct{} // receives a value when output or the end arrives
	polls  int           // Receive requests received so far

	mu       sync.Mutex
	chunks   []chunk
	done     bool
	exitCode int
	broken   error // the handler failed: the connection is dropped
}

func newCommand(cancel context.CancelFunc, ctx context.Context) *command {
	return &command{
		id:     newID(),
		cancel: cancel,
		stdin:  &inbox{ctx: ctx, wake: make(chan struct{}, 1)},
		wake:   make(chan struct{}, 1),
	}
}

func (c *command) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// streamWriter appends handler output to the command's pending chunks.
type streamWriter struct {
	cmd    *command
	stream string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.cmd.mu.Lock()
	w.cmd.chunks = append(w.cmd.chunks, chunk{stream: w.stream, data: bytes.Clone(p)})
	w.cmd.mu.Unlock()
	w.cmd.signal()
	return len(p), nil
}

func (c *command) finish(code int, err error) {
	c.mu.Lock()
	c.done, c.exitCode, c.broken = true, code, err
	c.mu.Unlock()
	c.signal()
}

// take removes up to maxChunk bytes of pending output. It reports done
// only once all output has been taken.
func (c *command) take() (out []chunk, done bool, code int, broken error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := 0
	for len(c.chunks) > 0 && size < maxChunk {
		next := c.chunks[0]
		if size+len(next.data) > maxChunk {
			n := maxChunk - size
			out = append(out, chunk{next.stream, next.data[:n]})
			c.chunks[0].data = next.data[n:]
			size = maxChunk
			break
		}
		out = append(out, next)
		size += len(next.data)
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 && c.done {
		return out, true, c.exitCode, c.broken
	}
	return out, false, 0, nil
}

// inbox is a command's standard input: Send appends without blocking and
// the handler reads at its own pace.
type inbox struct {
	ctx    context.Context
	wake   chan struct{}
	mu     sync.Mutex
	buf    bytes.Buffer
	closed bool
}

func (in *inbox) push(p []byte, end bool) {
	in.mu.Lock()
	in.buf.Write(p)
	in.closed = in.closed || end
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

func (in *inbox) Read(p []byte) (int, error) {
	for {
		in.mu.Lock()
		if in.buf.Len() > 0 {
			n, _ := in.buf.Read(p)
			in.mu.Unlock()
			return n, nil
		}
		closed := in.closed
		in.mu.Unlock()
		if closed {
			return 0, io.EOF
		}
		select {
		case <-in.wake:
		case <-in.ctx.Done():
			return 0, in.ctx.Err()
		}
	}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
