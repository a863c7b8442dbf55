package lab

import (
	"bufio"
	"context"
	"io"
	"strings"
)

// cliTerm is the terminal side of a network device's PTY session: it
// echoes what the client types, reads command lines and single-key
// answers, and pages long output with a "--More--" prompt.
type cliTerm struct {
	rw io.ReadWriter
	in *bufio.Reader
	// pageLines is the page length set by `terminal length`; 0 turns
	// paging off.
	pageLines int
	// more is the pager prompt, and erase what the device prints to
	// remove it again.
	more, erase string
	skipLF      bool // the last key was a carriage return; drop a following line feed
}

func newCLITerm(rw io.ReadWriter, pageLines int, more, erase string) *cliTerm {
	return &cliTerm{rw: rw, in: bufio.NewReader(rw), pageLines: pageLines, more: more, erase: erase}
}

// key reads one keystroke, turning "\r\n" into a single "\r".
func (t *cliTerm) key() (byte, error) {
	for {
		b, err := t.in.ReadByte()
		if err != nil {
			return 0, err
		}
		skip := t.skipLF && b == '\n'
		t.skipLF = b == '\r'
		if !skip {
			return b, nil
		}
	}
}

// readLine reads one line, echoing each character and applying
// backspaces, as a device's line editor does.
func (t *cliTerm) readLine(ctx context.Context) (string, error) {
	var line []byte
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		b, err := t.key()
		if err != nil {
			return "", err
		}
		switch b {
		case '\r', '\n':
			t.write("\r\n")
			return string(line), nil
		case '\b', 0x7f:
			if len(line) > 0 {
				line = line[:len(line)-1]
				t.write("\b \b")
			}
		default:
			line = append(line, b)
			t.rw.Write([]byte{b})
		}
	}
}

// ask prints prompt and reads the answer as a line.
func (t *cliTerm) ask(ctx context.Context, prompt string) (string, error) {
	t.write(prompt)
	answer, err := t.readLine(ctx)
	return strings.TrimSpace(answer), err
}

// askKey prints prompt and reads one key, as "[confirm]" and FortiOS's
// "(y/n)" do. It echoes printable keys and ends the line.
func (t *cliTerm) askKey(prompt string) (byte, error) {
	t.write(strings.ReplaceAll(prompt, "\n", "\r\n"))
	b, err := t.key()
	if err != nil {
		return 0, err
	}
	if b >= ' ' && b < 0x7f {
		t.rw.Write([]byte{b})
	}
	t.write("\r\n")
	return b, nil
}

func (t *cliTerm) write(s string) { io.WriteString(t.rw, s) }

// print writes text with CRLF line ends, stopping at the pager prompt
// after each page: space shows the next page, Enter one more line and
// any other key ends the output. It returns the read error that ended a
// wait at the pager, if any.
func (t *cliTerm) print(text string) error {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	budget := t.pageBudget()
	for _, line := range lines {
		if budget == 0 {
			more, err := t.pager()
			if err != nil || more == 0 {
				return err
			}
			budget = more
		}
		t.write(strings.TrimSuffix(line, "\n"))
		if strings.HasSuffix(line, "\n") {
			t.write("\r\n")
		}
		budget--
	}
	return nil
}

// pageBudget returns the lines shown before the first pager prompt, or -1
// when paging is off.
func (t *cliTerm) pageBudget() int {
	if t.pageLines <= 0 {
		return -1
	}
	return t.pageLines - 1
}

// pager shows the pager prompt and returns how many lines the pressed key
// requests: a page, one line, or 0 to stop.
func (t *cliTerm) pager() (int, error) {
	t.write(t.more)
	b, err := t.key()
	t.write(t.erase)
	switch {
	case err != nil:
		return 0, err
	case b == ' ':
		return t.pageLines - 1, nil
	case b == '\r' || b == '\n':
		return 1, nil
	}
	return 0, nil
}

// cliSession is the command interpreter of one device CLI session.
type cliSession interface {
	prompt() string
	// leaves reports whether line ends the session, as exit does at the
	// top level.
	leaves(line string) bool
	// run runs one command line; an error breaks the session.
	run(ctx context.Context, line string) error
}

// serveCLI runs the prompt loop of a PTY session: it shows the prompt,
// reads a line, runs it and records it in the command log, until the
// client leaves, the connection ends or a command breaks the session.
func serveCLI(ctx context.Context, sess *ShellSession, term *cliTerm, cli cliSession) error {
	for {
		term.write(cli.prompt())
		line, err := term.readLine(ctx)
		if err != nil {
			return nil
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if cli.leaves(line) {
			return nil
		}
		before := sess.Host.Generation()
		err = cli.run(ctx, line)
		sess.Record(line, sess.Host.Generation() != before)
		if err != nil {
			return err
		}
	}
}
