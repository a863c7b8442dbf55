// Package conformance is the one test suite that every remote.Session
// implementation runs: SSH to the in-process lab server, SSH to OpenSSH sshd
// and WinRM to the in-process WS-Management server.
//
// A target supplies a dial function, the command lines its shell
// understands for each test (Commands) and hooks that provoke faults. A
// nil hook skips the tests that need it. Every test checks that no
// goroutine started during the test outlives it.
package conformance

import (
	"context"
	"testing"
	"time"

	"patchbay/remote"
)

// Target is one implementation under test together with its server.
type Target struct {
	// Dial opens a new session to the target's server. The suite closes it.
	Dial func(ctx context.Context) (remote.Session, error)

	// Commands are the command lines the target's shell runs for the tests.
	Commands Commands

	// TempDir returns a fresh directory on the host that file copies may
	// write to, written the way the host's shell spells paths.
	TempDir func(t *testing.T) string

	// Faults provokes failures. A nil field skips the tests that need it.
	Faults Faults

	// Timeout bounds each test's context. Zero means 30 seconds.
	Timeout time.Duration
}

// Faults are hooks that provoke the failures the suite checks.
type Faults struct {
	// DialStalled dials a server that accepts the TCP connection but sends
	// nothing, with a ctx that expires soon. The error must be KindTimeout.
	DialStalled func(ctx context.Context) (remote.Session, error)

	// DialHostKeyChanged dials a server whose host key differs from the one
	// pinned for it; the error must be KindHostKeyChanged. WinRM targets
	// leave it nil.
	DialHostKeyChanged func(ctx context.Context) (remote.Session, error)

	// DialAuthRejected dials with credentials the server rejects; the error
	// must be KindAuthRejected.
	DialAuthRejected func(ctx context.Context) (remote.Session, error)

	// DropConnections cuts every open connection to the server from the
	// server's side, as a reboot or a network failure would. A command
	// running then must fail with KindConnectionLost or KindShellLost.
	DropConnections func()
}

// Commands are command lines for the suite's tests, in the dialect of the
// target's shell. The WinRM lab server interprets exactly these lines, so a
// target may use fixed strings, provided each behaves as its field's
// comment describes.
type Commands struct {
	// Echo prints its argument and a newline to standard output.
	Echo func(text string) string
	// EchoStderr prints its argument and a newline to standard error.
	EchoStderr func(text string) string
	// Exit exits with the given status without output.
	Exit func(code int) string
	// Stream prints "ready" and a newline, then stays silent for at least
	// 30 seconds before it prints "done".
	Stream string
	// Large prints exactly n bytes of printable ASCII to standard output.
	Large func(n int) string
	// Binary prints the 256 byte values 0 to 255 in order, once.
	Binary string
	// Cat copies standard input to standard output.
	Cat string
	// ReadFile prints the content of the file at path.
	ReadFile func(path string) string
	// FileMode prints the permission bits of the file at path as three
	// octal digits, for example "640". Empty skips the mode check, as on
	// hosts without POSIX modes.
	FileMode func(path string) string
	// Join joins a directory and a file name the way the host does.
	Join func(dir, name string) string
}

// Run runs the whole suite against target as subtests of t.
func Run(t *testing.T, target Target) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			tc.run(t, target)
		})
	}
}

// tests lists the suite's cases in the order they run.
var tests = []struct {
	name string
	run  func(t *testing.T, target Target)
}{
	{"EchoStdout", testEcho},
	{"Stderr", testStderr},
	{"ExitCodes", testExitCodes},
	{"Streaming", testStreaming},
	{"LargeOutput", testLargeOutput},
	{"BinaryOutput", testBinaryOutput},
	{"Stdin", testStdin},
	{"CopyFile", testCopyFile},
	{"SeveralCommands", testSeveralCommands},
	{"Cancellation", testCancellation},
	{"DialTimeout", testDialTimeout},
	{"HostKeyChanged", testHostKeyChanged},
	{"AuthRejected", testAuthRejected},
	{"ConnectionDropped", testConnectionDropped},
	{"CloseTwice", testCloseTwice},
}
