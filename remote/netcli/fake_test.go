package netcli

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// pipeConn joins the two halves of an io.Pipe pair into the client's
// end of a PTY-like connection.
type pipeConn struct {
	*io.PipeReader
	*io.PipeWriter
}

func (c pipeConn) Close() error {
	c.PipeReader.Close()
	return c.PipeWriter.Close()
}

// fakeDevice behaves like a network device's CLI on the far end of a
// pipe: it prints a prompt, echoes each command line, pages long output
// with " --More-- " until paging is turned off, and runs handlers.
type fakeDevice struct {
	in       *bufio.Reader
	out      io.WriteCloser
	prompt   string
	paging   bool
	pageSize int
	// eraseWithCR makes the pager print "--More-- " and erase it with a
	// carriage return and spaces, as FortiOS does, instead of IOS's
	// " --More-- " and backspaces.
	eraseWithCR bool
	handlers    map[string]func(d *fakeDevice)

	mu       sync.Mutex
	received []string // command lines and answers, in order
}

// startDevice runs a fake device and returns the client's connection.
// The device goroutine ends when the client closes its connection.
func startDevice(t *testing.T, d *fakeDevice, banner string) pipeConn {
	t.Helper()
	clientRead, deviceWrite := io.Pipe()
	deviceRead, clientWrite := io.Pipe()
	d.in, d.out = bufio.NewReader(deviceRead), deviceWrite
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer deviceWrite.Close()
		defer deviceRead.Close()
		d.serve(banner)
	}()
	t.Cleanup(func() { <-finished })
	return pipeConn{clientRead, clientWrite}
}

func (d *fakeDevice) serve(banner string) {
	d.print(banner + d.prompt)
	for {
		line, err := d.in.ReadString('\n')
		if err != nil {
			return
		}
		command := strings.TrimRight(line, "\r\n")
		d.record(command)
		d.print(command + "\r\n")
		if !d.run(command) {
			return
		}
		d.print(d.prompt)
	}
}

// run executes one command and reports false when the device drops the
// session.
func (d *fakeDevice) run(command string) bool {
	if handler, ok := d.handlers[command]; ok {
		handler(d)
		return d.out != nil
	}
	if command == "" {
		return true
	}
	d.print("% Invalid input detected at '^' marker.\r\n\r\n")
	return true
}

func (d *fakeDevice) print(text string) {
	if d.out != nil {
		d.out.Write([]byte(text))
	}
}

func (d *fakeDevice) record(text string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.received = append(d.received, text)
}

func (d *fakeDevice) log() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.received...)
}

// drop closes the device's side, as a reload does.
func (d *fakeDevice) drop() {
	d.out.Close()
	d.out = nil
}

// printPaged prints lines with CRLF endings, stopping for " --More-- "
// every pageSize lines while paging is on, and inserting extra lines
// (syslog messages) after the line numbered by their key.
func (d *fakeDevice) printPaged(lines []string, inserts map[int]string) {
	for i, line := range lines {
		if d.paging && i > 0 && i%d.pageSize == 0 && !d.more() {
			return
		}
		d.print(line + "\r\n")
		if extra, ok := inserts[i]; ok {
			d.print(extra + "\r\n")
		}
	}
}

// more shows the pager prompt and waits for a key: space goes on, any
// other key stops. Like IOS it erases the prompt with backspaces.
func (d *fakeDevice) more() bool {
	marker, erase := " --More-- ", strings.Repeat("\b", 10)
	if d.eraseWithCR {
		marker, erase = "--More-- ", "\r"
	}
	d.print(marker)
	key, err := d.in.ReadByte()
	if err != nil {
		return false
	}
	d.record("<more:" + string(key) + ">")
	d.print(erase + strings.Repeat(" ", len(marker)) + erase)
	return key == ' '
}

// ask prints a question and reads one key, reporting whether it was Enter.
func (d *fakeDevice) ask(question string) (enter bool, ok bool) {
	d.print(question)
	key, err := d.in.ReadByte()
	if err != nil {
		return false, false
	}
	d.record("<answer:" + string(key) + ">")
	return key == '\n', true
}

// loadCapture returns a testdata capture without its provenance line.
func loadCapture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(data), "\n")
	if !ok || !strings.HasPrefix(string(data), "# source:") {
		t.Fatalf("%s: missing provenance line", name)
	}
	return body
}

func captureLines(capture string) []string {
	return strings.Split(strings.TrimRight(capture, "\n"), "\n")
}
