package netcli

import (
	"bytes"
	"regexp"
	"strings"
)

// cleaner turns raw terminal bytes into plain text. It removes ANSI escape
// sequences, even when a chunk ends inside one, and applies backspaces by
// deleting the character before them on the same line. A carriage return
// before a newline is dropped; any other carriage return clears the
// current line, because the device goes on to overwrite it (FortiOS erases
// its pager prompt that way).
type cleaner struct {
	escape []byte // an unfinished escape sequence carried to the next chunk
	cr     bool   // the last byte was a carriage return
}

// write appends the cleaned form of chunk to text and returns it.
func (c *cleaner) write(text []byte, chunk []byte) []byte {
	for _, b := range chunk {
		if c.cr {
			c.cr = false
			if b != '\n' {
				text = text[:bytes.LastIndexByte(text, '\n')+1]
			}
		}
		if c.escape != nil {
			c.escape = append(c.escape, b)
			if escapeDone(c.escape) {
				c.escape = nil
			}
			continue
		}
		switch {
		case b == 0x1b:
			c.escape = []byte{b}
		case b == '\b' || b == 0x7f:
			if n := len(text); n > 0 && text[n-1] != '\n' {
				text = text[:n-1]
			}
		case b == '\r':
			c.cr = true
		case b == 0x07 || b == 0:
		default:
			text = append(text, b)
		}
	}
	return text
}

// escapeDone reports whether seq, which starts with ESC, is complete: a
// CSI sequence ends with a byte in 0x40-0x7E, a charset selection such as
// "ESC ( B" after one more byte, and other escapes after one byte.
func escapeDone(seq []byte) bool {
	if len(seq) < 2 {
		return false
	}
	switch seq[1] {
	case '[':
		last := seq[len(seq)-1]
		return len(seq) > 2 && last >= 0x40 && last <= 0x7e
	case '(', ')':
		return len(seq) >= 3
	}
	return true
}

// syslogLine matches IOS log messages such as
// "*Mar  1 00:01:02.123: %SYS-5-CONFIG_I: Configured from console" or
// "000123: Mar  1 00:01:02 UTC: %LINK-3-UPDOWN: ...".
var syslogLine = regexp.MustCompile(`^(\d+: )?[*.]?([A-Z][a-z]{2} +\d+ (\d{4} )?\d\d:\d\d:\d\d(\.\d+)?( [A-Za-z]+)?: )?%[A-Z0-9_]+-\d-[A-Z0-9_]+:`)

// splitSyslog separates syslog lines from the other lines of output.
func splitSyslog(output string) (kept, syslog []string) {
	for _, line := range strings.Split(output, "\n") {
		if syslogLine.MatchString(strings.TrimSpace(line)) {
			syslog = append(syslog, strings.TrimSpace(line))
			continue
		}
		kept = append(kept, line)
	}
	return kept, syslog
}
