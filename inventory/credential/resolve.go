package credential

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrUnresolved is wrapped by every error of Resolve, so callers can map it
// to remote.KindCredential.
var ErrUnresolved = errors.New("credential could not be resolved")

// Env is the part of the process that Resolve reads: environment variables
// and the home folder. Tests replace it.
type Env struct {
	Getenv func(string) string
	Home   string
}

// ProcessEnv returns the Env of the running process.
func ProcessEnv() Env {
	home, _ := os.UserHomeDir()
	return Env{Getenv: os.Getenv, Home: home}
}

// Resolve reads the secret that ref points to. For KindAgent it only checks
// that SSH_AUTH_SOCK is set and returns an empty Secret, because the SSH
// client talks to the agent itself. Errors name the reference, never the
// secret or a command's output.
func Resolve(ctx context.Context, ref Ref, env Env) (Secret, error) {
	switch ref.Kind {
	case KindEnv:
		return resolveEnv(ref, env)
	case KindFile:
		return resolveFile(ref, env)
	case KindAgent:
		if env.Getenv("SSH_AUTH_SOCK") == "" {
			return Secret{}, fmt.Errorf("%w: ssh-agent: SSH_AUTH_SOCK is not set; start an agent and add the key with ssh-add", ErrUnresolved)
		}
		return Secret{}, nil
	case KindCommand:
		return resolveCommand(ctx, ref)
	}
	return Secret{}, fmt.Errorf("%w: unknown kind %q: use env, file, agent or command", ErrUnresolved, ref.Kind)
}

func resolveEnv(ref Ref, env Env) (Secret, error) {
	value := env.Getenv(ref.Env)
	if value == "" {
		return Secret{}, fmt.Errorf("%w: environment variable %s is not set or empty: export it before running patchbay", ErrUnresolved, ref.Env)
	}
	return Secret{value: value}, nil
}

// ErrFileMissing is wrapped, with ErrUnresolved, by the errors of
// CheckFile and Resolve for a file reference whose file does not exist.
var ErrFileMissing = errors.New("secret file does not exist")

// CheckFile checks a KindFile reference as Resolve would, without reading
// the secret: the file exists, is a regular file, and group and others
// cannot read or write it (mode 0600 or stricter).
func CheckFile(ref Ref, env Env) error {
	path := expandHome(ref.Path, env.Home)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: file %s: %w: write the secret into it, with mode 0600, on the machine that runs patchbay", ErrUnresolved, path, ErrFileMissing)
	}
	if err != nil {
		return fmt.Errorf("%w: file %s: %w", ErrUnresolved, path, errors.Unwrap(err))
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%w: file %s is not a regular file: point file at the file that contains the secret", ErrUnresolved, path)
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("%w: file %s has mode %04o, so other users can read it: run chmod 600 %s", ErrUnresolved, path, mode, path)
	}
	return nil
}

// resolveFile reads a secret file, which must not be readable or writable
// by group or others. A trailing newline is removed.
func resolveFile(ref Ref, env Env) (Secret, error) {
	if err := CheckFile(ref, env); err != nil {
		return Secret{}, err
	}
	path := expandHome(ref.Path, env.Home)
	data, err := os.ReadFile(path)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: file %s: %w", ErrUnresolved, path, errors.Unwrap(err))
	}
	value := strings.TrimRight(string(data), "\r\n")
	if value == "" {
		return Secret{}, fmt.Errorf("%w: file %s is empty: write the secret into it", ErrUnresolved, path)
	}
	return Secret{value: value}, nil
}

func expandHome(path, home string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok && home != "" {
		return filepath.Join(home, rest)
	}
	return path
}

// outputWaitDelay bounds the wait for a command's standard output to close
// once the command has exited or been killed.
const outputWaitDelay = time.Second

// resolveCommand runs the reference's command without a shell and returns
// its standard output without the trailing newline. Standard error is
// discarded, never echoed, because password managers may print secrets or
// hints there.
func resolveCommand(ctx context.Context, ref Ref) (Secret, error) {
	if len(ref.Command) == 0 {
		return Secret{}, fmt.Errorf("%w: command is empty: give the program and its arguments", ErrUnresolved)
	}
	timeout := ref.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, ref.Command[0], ref.Command[1:]...)
	cmd.Stdout = &stdout
	// A helper process that the command leaves behind can keep standard
	// output open. WaitDelay stops Run from waiting for it past the
	// timeout, or past the command's own exit.
	cmd.WaitDelay = outputWaitDelay
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // the command exited with status 0
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return Secret{}, fmt.Errorf("%w: command %s timed out after %s: check that it runs without a prompt, or raise timeout", ErrUnresolved, ref.Command[0], timeout)
	case err != nil:
		return Secret{}, fmt.Errorf("%w: command %s failed (%s): run it by hand to see its error output", ErrUnresolved, ref.Command[0], exitText(err))
	}
	value := strings.TrimRight(stdout.String(), "\r\n")
	if value == "" {
		return Secret{}, fmt.Errorf("%w: command %s printed nothing: it must print the secret on standard output", ErrUnresolved, ref.Command[0])
	}
	return Secret{value: value}, nil
}

// exitText describes how a command failed without its output.
func exitText(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("exit status %d", exit.ExitCode())
	}
	var pathErr *exec.Error
	if errors.As(err, &pathErr) {
		return "program not found"
	}
	return "could not start"
}
