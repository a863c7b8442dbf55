package conformance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/remote"
)

// checkLeaks fails t when a goroutine started during the test is still
// running after the test and its cleanups.
func checkLeaks(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

// testContext returns a context bounded by the target's per-test timeout.
func testContext(t *testing.T, target Target) context.Context {
	timeout := target.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a session and closes it when the test ends.
func dial(t *testing.T, ctx context.Context, target Target) remote.Session {
	t.Helper()
	s, err := target.Dial(ctx)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// run runs line and returns its standard output and standard error.
func run(t *testing.T, ctx context.Context, s remote.Session, cmd remote.Command) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := s.Run(ctx, cmd, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func testEcho(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	stdout, stderr, err := run(t, ctx, s, remote.Command{Line: target.Commands.Echo("hello conformance"), ReadOnly: true})
	if err != nil {
		t.Fatalf("run echo: %v", err)
	}
	if strings.TrimRight(stdout, "\r\n") != "hello conformance" {
		t.Errorf("stdout = %q, want %q", stdout, "hello conformance\n")
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want empty", stderr)
	}
}

func testStderr(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	stdout, stderr, err := run(t, ctx, s, remote.Command{Line: target.Commands.EchoStderr("to stderr")})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want empty", stdout)
	}
	if !strings.Contains(stderr, "to stderr") {
		t.Errorf("stderr = %q, want it to contain %q", stderr, "to stderr")
	}
}

func testExitCodes(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	for _, code := range []int{0, 1, 3, 100, 255} {
		_, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.Exit(code)})
		if code == 0 {
			if err != nil {
				t.Errorf("exit 0: error %v, want nil", err)
			}
			continue
		}
		var exit *remote.ExitError
		if !errors.As(err, &exit) {
			t.Errorf("exit %d: error %v (%T), want *remote.ExitError", code, err, err)
			continue
		}
		if exit.Code != code {
			t.Errorf("exit %d: ExitError.Code = %d", code, exit.Code)
		}
	}
}

// signalWriter collects output and closes ready once it contains "ready".
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func newSignalWriter() *signalWriter { return &signalWriter{ready: make(chan struct{})} }

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startStream starts the Stream command in the background and waits until
// its first line arrives. It returns the channel that receives Run's error.
func startStream(t *testing.T, ctx context.Context, s remote.Session, target Target) (*signalWriter, <-chan error) {
	t.Helper()
	out := newSignalWriter()
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, remote.Command{Line: target.Commands.Stream}, out, io.Discard)
	}()
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("stream command ended before its first line arrived: %v (output %q)", err, out.String())
	case <-ctx.Done():
		t.Fatalf("first line of the stream command did not arrive before the test deadline")
	}
	return out, done
}

func testStreaming(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	runCtx, cancel := context.WithCancel(ctx)
	out, done := startStream(t, runCtx, s, target)
	if strings.Contains(out.String(), "done") {
		t.Errorf("output %q already contains the last line", out.String())
	}
	cancel()
	<-done
}

func testLargeOutput(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	const size = 4 << 20
	var counter countWriter
	err := s.Run(ctx, remote.Command{Line: target.Commands.Large(size)}, &counter, io.Discard)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if counter.n != size {
		t.Errorf("received %d bytes, want %d", counter.n, size)
	}
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func testBinaryOutput(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	stdout, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.Binary})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := make([]byte, 256)
	for i := range want {
		want[i] = byte(i)
	}
	if !bytes.Equal([]byte(stdout), want) {
		t.Errorf("binary output = %q (%d bytes), want the bytes 0 to 255", stdout, len(stdout))
	}
}

func testStdin(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	input := strings.Repeat("line of stdin\n", 10000)
	stdout, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.Cat, Stdin: strings.NewReader(input)})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if stdout != input {
		t.Errorf("cat returned %d bytes, want the %d bytes of stdin", len(stdout), len(input))
	}
}

func testCopyFile(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	dst := target.Commands.Join(target.TempDir(t), "copied file.bin")
	content := bytes.Repeat([]byte("patchbay\x00\xff\n"), 100000)
	if err := s.CopyFile(ctx, bytes.NewReader(content), int64(len(content)), dst, 0o640); err != nil {
		t.Fatalf("copy file: %v", err)
	}
	stdout, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.ReadFile(dst)})
	if err != nil {
		t.Fatalf("read back %s: %v", dst, err)
	}
	if !bytes.Equal([]byte(stdout), content) {
		t.Errorf("file %s has %d bytes, want the %d bytes copied", dst, len(stdout), len(content))
	}
	if target.Commands.FileMode == nil {
		return
	}
	stdout, _, err = run(t, ctx, s, remote.Command{Line: target.Commands.FileMode(dst)})
	if err != nil {
		t.Fatalf("read mode of %s: %v", dst, err)
	}
	if strings.TrimSpace(stdout) != "640" {
		t.Errorf("mode of %s = %q, want 640", dst, strings.TrimSpace(stdout))
	}
}

func testSeveralCommands(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	for i := range 5 {
		want := strings.Repeat("x", i+1)
		stdout, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.Echo(want)})
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if strings.TrimRight(stdout, "\r\n") != want {
			t.Errorf("command %d: stdout = %q, want %q", i, stdout, want)
		}
	}
}

func testCancellation(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s := dial(t, ctx, target)
	runCtx, cancel := context.WithCancel(ctx)
	_, done := startStream(t, runCtx, s, target)
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of its context being cancelled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one that wraps context.Canceled", err)
	}
	// An operator's abort is not a slow host: the text must not advise
	// raising a timeout.
	if kind := remote.KindOf(err); kind == remote.KindTimeout {
		t.Errorf("cancelled command classified as %s: %v", kind, err)
	}
	// The session must stay usable after a cancelled command.
	stdout, _, err := run(t, ctx, s, remote.Command{Line: target.Commands.Echo("after cancel")})
	if err != nil {
		t.Fatalf("command after cancel: %v", err)
	}
	if strings.TrimRight(stdout, "\r\n") != "after cancel" {
		t.Errorf("stdout after cancel = %q", stdout)
	}
}

// expectKind checks that err is a *remote.Error of kind want and that its
// text carries the advice for that kind.
func expectKind(t *testing.T, err error, want remote.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want kind %v", want)
	}
	if got := remote.KindOf(err); got != want {
		t.Fatalf("kind = %v, want %v (error: %v)", got, want, err)
	}
	if !strings.Contains(err.Error(), want.Advice()) {
		t.Errorf("error %q does not give the advice %q", err, want.Advice())
	}
}

// expectDialFailure runs a faulty dial and checks the kind of its error.
func expectDialFailure(t *testing.T, target Target, dialFault func(context.Context) (remote.Session, error), want remote.Kind) {
	t.Helper()
	if dialFault == nil {
		t.Skip("the target has no hook for this fault")
	}
	ctx := testContext(t, target)
	s, err := dialFault(ctx)
	if s != nil {
		s.Close()
		t.Fatal("dial returned a session, want an error")
	}
	expectKind(t, err, want)
}

func testDialTimeout(t *testing.T, target Target) {
	if target.Faults.DialStalled == nil {
		t.Skip("the target has no hook for a stalled server")
	}
	ctx, cancel := context.WithTimeout(testContext(t, target), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, err := target.Faults.DialStalled(ctx)
	if s != nil {
		s.Close()
		t.Fatal("dial to a stalled server returned a session")
	}
	expectKind(t, err, remote.KindTimeout)
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("dial returned %v after its deadline", waited)
	}
}

func testHostKeyChanged(t *testing.T, target Target) {
	expectDialFailure(t, target, target.Faults.DialHostKeyChanged, remote.KindHostKeyChanged)
}

func testAuthRejected(t *testing.T, target Target) {
	expectDialFailure(t, target, target.Faults.DialAuthRejected, remote.KindAuthRejected)
}

func testConnectionDropped(t *testing.T, target Target) {
	if target.Faults.DropConnections == nil {
		t.Skip("the target has no hook to drop connections")
	}
	ctx := testContext(t, target)
	s, err := target.Dial(ctx)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer s.Close()
	_, done := startStream(t, ctx, s, target)
	target.Faults.DropConnections()
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("Run did not return after the connection was dropped")
	}
	switch kind := remote.KindOf(err); kind {
	case remote.KindConnectionLost, remote.KindShellLost:
	default:
		t.Errorf("kind = %v, want connection-lost or shell-lost (error: %v)", kind, err)
	}
}

func testCloseTwice(t *testing.T, target Target) {
	ctx := testContext(t, target)
	s, err := target.Dial(ctx)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("first close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}
