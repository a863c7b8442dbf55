package sshserver

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"time"

	"patchbay/remote/lab/hostexec"
)

// LocalShell is a hostexec.Handler for tests that runs each command with
// /bin/sh on this machine, as the current user, in Dir. "scp -t DST"
// commands are served by ServeSCPSink and write to the local file system,
// so the SCP code is the lab's own and not OpenSSH's.
//
// It is a test fixture: everything a client sends runs here, so only
// tests that control every command may use it.
type LocalShell struct {
	// Dir is the working directory of every command; empty means the
	// test process's own.
	Dir string
}

// Exec runs req.Command with /bin/sh -c. Cancelling ctx kills the
// command's whole process group.
func (l LocalShell) Exec(ctx context.Context, req hostexec.Request) (int, error) {
	if dst, ok := ParseSCPSink(req.Command); ok {
		return ServeSCPSink(req, dst, writeLocalFile)
	}
	cmd := exec.Command("/bin/sh", "-c", req.Command)
	cmd.Dir = l.Dir
	cmd.Stdin = req.Stdin
	cmd.Stdout = req.Stdout
	cmd.Stderr = req.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return 127, nil
	}
	stop := context.AfterFunc(ctx, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer stop()
	err := cmd.Wait()
	if ctx.Err() != nil {
		// Killed on the client's signal or a closed connection: report
		// what a shell reports for SIGKILL.
		return 128 + int(syscall.SIGKILL), nil
	}
	return exitCode(cmd, err), nil
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState != nil {
		if code := cmd.ProcessState.ExitCode(); code >= 0 {
			return code
		}
	}
	if err != nil {
		return 1
	}
	return 0
}

func writeLocalFile(path string, mode fs.FileMode, size int64, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
