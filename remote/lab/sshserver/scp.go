package sshserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"patchbay/remote/lab/hostexec"
)

// CreateFunc stores one file that an SCP client sent: its content is the
// next size bytes of r, and path is where the client asked to put it.
type CreateFunc func(path string, mode fs.FileMode, size int64, r io.Reader) error

// ParseSCPSink returns the destination of an "scp -t DST" command line, as
// a client that copies a file to the host sends it. The destination may be
// quoted for a POSIX shell with single quotes.
func ParseSCPSink(command string) (dst string, ok bool) {
	rest, found := strings.CutPrefix(command, "scp -t ")
	if !found {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "-- ")
	dst, err := unquotePOSIX(strings.TrimSpace(rest))
	if err != nil || dst == "" {
		return "", false
	}
	return dst, true
}

// unquotePOSIX undoes the single quotes and backslash escapes of a POSIX
// shell word, as conformance.ShellQuote writes them.
func unquotePOSIX(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated quote in %q", s)
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '\\':
			if i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		case ' ', '\t':
			return "", fmt.Errorf("more than one word in %q", s)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// ServeSCPSink speaks the sink side of the SCP protocol on req's streams,
// as "scp -t dst" does, and hands each received file to create. Files go
// to dst itself; the "C" line's name is ignored because the lab's clients
// copy one file at a time. It returns the exit code scp would return.
func ServeSCPSink(req hostexec.Request, dst string, create CreateFunc) (int, error) {
	in := bufio.NewReader(req.Stdin)
	if err := ack(req.Stdout); err != nil {
		return 1, err
	}
	for {
		line, err := in.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			return 0, nil
		}
		if err != nil {
			return 1, fmt.Errorf("read scp control line: %w", err)
		}
		if err := serveControlLine(in, req.Stdout, line, dst, create); err != nil {
			fmt.Fprintf(req.Stdout, "\x02scp: %v\n", err)
			return 1, nil
		}
	}
}

// serveControlLine handles one "C" (file) or "T" (times) line.
func serveControlLine(in *bufio.Reader, out io.Writer, line, dst string, create CreateFunc) error {
	switch line[0] {
	case 'T':
		return ack(out)
	case 'C':
	default:
		return fmt.Errorf("unsupported control line %q; only single files are supported", strings.TrimSpace(line))
	}
	mode, size, err := parseFileLine(line)
	if err != nil {
		return err
	}
	if err := ack(out); err != nil {
		return err
	}
	body := io.LimitReader(in, size)
	if err := create(dst, mode, size, body); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return err
	}
	if status, err := in.ReadByte(); err != nil || status != 0 {
		return fmt.Errorf("missing end of file %s from the client", dst)
	}
	return ack(out)
}

// parseFileLine reads "C0640 1234 name\n".
func parseFileLine(line string) (fs.FileMode, int64, error) {
	fields := strings.SplitN(strings.TrimSuffix(line[1:], "\n"), " ", 3)
	if len(fields) != 3 {
		return 0, 0, fmt.Errorf("invalid file line %q", strings.TrimSpace(line))
	}
	mode, err := strconv.ParseUint(fields[0], 8, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("invalid mode in file line %q", strings.TrimSpace(line))
	}
	size, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || size < 0 {
		return 0, 0, fmt.Errorf("invalid size in file line %q", strings.TrimSpace(line))
	}
	return fs.FileMode(mode) & fs.ModePerm, size, nil
}

func ack(w io.Writer) error {
	_, err := w.Write([]byte{0})
	return err
}
