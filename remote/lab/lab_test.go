package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/remote/lab/hostexec"
)

// labEpoch is the fixed start of the manual clock in tests.
var labEpoch = time.Date(2026, 12, 8, 22, 30, 0, 0, time.UTC)

// newTestHost returns a host of platform on a manual clock with a reboot
// of one minute, and a handler that logs to a file in a temp dir.
func newTestHost(t *testing.T, platform string) (*Host, *Handler, *ManualClock) {
	t.Helper()
	clock := NewManualClock(labEpoch)
	h, err := NewHost("test-"+platform, platform, 1, clock, Timing{ShutdownDelay: time.Second, RebootDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	log, err := OpenCommandLog(t.TempDir() + "/commands.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return h, &Handler{Host: h, Transport: "ssh", Log: log}, clock
}

// result is what one command returned.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// run sends line to the handler as user with empty standard input.
func run(t *testing.T, hd *Handler, user, line string) result {
	t.Helper()
	return runInput(t, hd, user, line, "")
}

func runInput(t *testing.T, hd *Handler, user, line, stdin string) result {
	t.Helper()
	var out, errOut strings.Builder
	code, err := hd.Exec(context.Background(), hostexec.Request{Host: hd.Host.Name(), User: user, Command: line,
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return result{stdout: out.String(), stderr: errOut.String(), code: code, err: err}
}

// mustRun runs line and fails the test unless it exits with want.
func mustRun(t *testing.T, hd *Handler, user, line string, want int) result {
	t.Helper()
	r := run(t, hd, user, line)
	if r.err != nil {
		t.Fatalf("%q: error %v", line, r.err)
	}
	if r.code != want {
		t.Fatalf("%q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", line, r.code, want, r.stdout, r.stderr)
	}
	return r
}
