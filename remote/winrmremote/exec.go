package winrmremote

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

// cleanupGrace bounds how long a cancelled command may take to be
// signalled and its shell deleted.
const cleanupGrace = 5 * time.Second

// result is the outcome of one command.
type result struct {
	code int
	err  error
}

// execute runs line in a new shell. The work happens in a job that Close
// waits for, so that Run can return as soon as ctx ends.
func (s *Session) execute(ctx context.Context, line string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if s.closing.Err() != nil {
		return 0, errSessionClosed
	}
	requests, stop := s.requestContext(ctx)
	out, errs := &gate{w: stdout}, &gate{w: stderr}
	done := make(chan result, 1)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer stop()
		code, err := s.runInShell(ctx, requests, line, stdin, out, errs)
		done <- result{code, err}
	}()

	select {
	case r := <-done:
		return r.code, contextError(ctx, r.err)
	case <-ctx.Done():
		out.close()
		errs.close()
		return 0, ctx.Err()
	}
}

// requestContext returns the context for the requests of one command: it
// ends cleanupGrace after ctx ends, or when the session closes. The grace
// lets the Signal and Delete requests reach the host.
func (s *Session) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	requests, cancel := context.WithCancel(s.closing)
	go func() {
		select {
		case <-requests.Done():
			return
		case <-ctx.Done():
		}
		timer := time.NewTimer(cleanupGrace)
		defer timer.Stop()
		select {
		case <-requests.Done():
		case <-timer.C:
			cancel()
		}
	}()
	return requests, cancel
}

// runInShell creates a shell, runs the command with its streams and
// deletes the shell.
func (s *Session) runInShell(ctx, requests context.Context, line string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	client, err := s.client(requests)
	if err != nil {
		return 0, err
	}
	shell, err := client.CreateShell()
	if err != nil {
		return 0, err
	}
	defer shell.Close()

	cmd, err := shell.ExecuteWithContext(ctx, line)
	if err != nil {
		return 0, err
	}
	// The winrm package keeps a failed Receive's error to itself but
	// closes the output pipes with it, so the stdout copy returns it.
	var wg sync.WaitGroup
	var receiveErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, receiveErr = io.Copy(stdout, cmd.Stdout)
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(stderr, cmd.Stderr)
	}()
	if stdin != nil {
		wg.Add(1)
		go feedStdin(&wg, cmd, stdin)
	}

	cmd.Wait()
	wg.Wait()
	_ = cmd.Close()
	return cmd.ExitCode(), receiveErr
}

// feedStdin copies r to the command's standard input and closes it.
// NOTE: a reader that blocks forever keeps this goroutine, and so Close,
// waiting; pass readers that end.
func feedStdin(wg *sync.WaitGroup, cmd *winrm.Command, r io.Reader) {
	defer wg.Done()
	_, _ = io.Copy(cmd.Stdin, r)
	_ = cmd.Stdin.Close()
}
