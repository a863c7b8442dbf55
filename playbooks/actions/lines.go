package actions

import (
	"bytes"
	"io"
	"strings"
)

// lineCounter counts output lines that start with prefix and calls onLine
// with the running count. It sees output in arbitrary chunks.
type lineCounter struct {
	prefix  string
	onLine  func(n int)
	partial []byte
	count   int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(c.partial[:i])
		c.partial = c.partial[i+1:]
		if strings.HasPrefix(strings.TrimSpace(line), c.prefix) {
			c.count++
			c.onLine(c.count)
		}
	}
}

func teeWriter(w io.Writer, extra io.Writer) io.Writer {
	if w == nil {
		return extra
	}
	return io.MultiWriter(w, extra)
}
