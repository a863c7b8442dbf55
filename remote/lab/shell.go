package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"strings"
)

// CommandFunc runs one command of a POSIX host and returns its exit status.
// An error breaks the connection, as in Personality.Exec.
type CommandFunc func(ctx context.Context, c *Call) (int, error)

// Call is one command run by the lab shell.
type Call struct {
	X     *Exec
	Host  *Host
	Shell *Shell
	// Args holds the command name as typed, then its arguments.
	Args []string
	Env  map[string]string
	// Root is set when the command runs as root: the user is root, or the
	// command runs under sudo.
	Root bool

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Printf writes formatted text to the command's standard output.
func (c *Call) Printf(format string, args ...any) { fmt.Fprintf(c.Stdout, format, args...) }

// Errorf writes formatted text to the command's standard error.
func (c *Call) Errorf(format string, args ...any) { fmt.Fprintf(c.Stderr, format, args...) }

// Shell interprets POSIX command lines for a personality: the lab's small
// shell language (see shellparse.go) over a table of commands.
type Shell struct {
	// Commands are the platform's commands by name. They take precedence
	// over the POSIX base commands of posix.go.
	Commands map[string]CommandFunc
	// Files returns the content of a file that the platform derives from
	// the state, such as /etc/os-release, and whether path is such a file.
	Files func(s *State, path string) ([]byte, bool)
}

// exitRequest ends a command line early with a status, as exit does.
type exitRequest struct{ code int }

func (e exitRequest) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Run interprets x.Line.
func (sh *Shell) Run(ctx context.Context, x *Exec) (int, error) {
	env := map[string]string{
		"HOME": "/home/" + x.User, "USER": x.User, "LOGNAME": x.User,
		"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SHELL": "/bin/sh",
	}
	if x.User == "root" {
		env["HOME"] = "/root"
	}
	base := &Call{X: x, Host: x.Host, Shell: sh, Env: env, Root: x.User == "root",
		Stdin: x.Stdin, Stdout: x.Stdout, Stderr: x.Stderr}
	code, err := sh.RunLine(ctx, base, x.Line)
	var exit exitRequest
	if errors.As(err, &exit) {
		return exit.code, nil
	}
	return code, err
}

// RunLine interprets one command line with the environment, user and
// streams of base, as sh -c does.
func (sh *Shell) RunLine(ctx context.Context, base *Call, line string) (int, error) {
	tokens, err := tokenize(line, varMarker)
	if err == nil {
		var items []listItem
		items, err = parseList(tokens)
		if err == nil {
			return sh.runList(ctx, base, items)
		}
	}
	base.Errorf("sh: 1: %v\n", err)
	return 2, nil
}

func (sh *Shell) runList(ctx context.Context, base *Call, items []listItem) (int, error) {
	status := 0
	for _, it := range items {
		if it.connector == "&&" && status != 0 || it.connector == "||" && status == 0 {
			continue
		}
		var err error
		status, err = sh.runPipeline(ctx, base, it.pipe)
		if err != nil {
			return status, err
		}
		if ctx.Err() != nil {
			return 130, ctx.Err()
		}
	}
	return status, nil
}

// runPipeline runs the commands of p one after the other, each reading the
// whole output of the one before. The status is that of the last command.
func (sh *Shell) runPipeline(ctx context.Context, base *Call, p pipeline) (int, error) {
	in := base.Stdin
	status := 0
	for i, cmd := range p {
		c := *base
		c.Stdin = in
		var buf bytes.Buffer
		if i < len(p)-1 {
			c.Stdout = &buf
		}
		var err error
		status, err = sh.runSimple(ctx, &c, cmd)
		if err != nil {
			return status, err
		}
		in = &buf
	}
	return status, nil
}

// runSimple applies the assignments and redirections of cmd and runs it.
func (sh *Shell) runSimple(ctx context.Context, c *Call, cmd simpleCommand) (int, error) {
	cmd = expandVars(cmd, c.Env)
	if len(cmd.args) == 0 {
		for _, a := range cmd.assigns {
			name, value, _ := strings.Cut(a, "=")
			c.Env[name] = value
		}
		return 0, nil
	}
	c.Env = maps.Clone(c.Env)
	for _, a := range cmd.assigns {
		name, value, _ := strings.Cut(a, "=")
		c.Env[name] = value
	}
	commit, err := sh.redirect(c, cmd.redirs)
	if err != nil {
		c.Errorf("sh: 1: %v\n", err)
		return 2, nil
	}
	c.Args = cmd.args
	status, err := sh.Dispatch(ctx, c)
	commit()
	return status, err
}

// varMarker replaces $NAME in a parsed word until the command runs, so
// that in "X=1; echo $X" the echo expands X after the assignment.
func varMarker(name string) string { return "\x00" + name + "\x00" }

var varMarkerPattern = regexp.MustCompile("\x00([^\x00]*)\x00")

// expandVars replaces the variable markers in cmd's words with env.
func expandVars(cmd simpleCommand, env map[string]string) simpleCommand {
	expand := func(w string) string {
		return varMarkerPattern.ReplaceAllStringFunc(w, func(m string) string { return env[m[1:len(m)-1]] })
	}
	out := simpleCommand{}
	for _, a := range cmd.assigns {
		out.assigns = append(out.assigns, expand(a))
	}
	for _, a := range cmd.args {
		out.args = append(out.args, expand(a))
	}
	for _, r := range cmd.redirs {
		r.target = expand(r.target)
		out.redirs = append(out.redirs, r)
	}
	return out
}

// Dispatch runs c.Args: the wrappers sudo, env, sh -c and their kin, then
// the platform's commands, then the POSIX base commands.
func (sh *Shell) Dispatch(ctx context.Context, c *Call) (int, error) {
	name := path.Base(c.Args[0])
	if w, ok := wrappers[name]; ok {
		return w(ctx, c)
	}
	if f, ok := sh.Commands[name]; ok {
		return f(ctx, c)
	}
	if f, ok := posixCommands[name]; ok {
		return f(ctx, c)
	}
	c.Errorf("sh: 1: %s: not found\n", c.Args[0])
	return 127, nil
}

// ReadFile returns a file of the host: /dev/null, a file the platform
// derives from the state, or one written to the host.
func (sh *Shell) ReadFile(h *Host, name string) (data []byte, ok bool) {
	if name == "/dev/null" {
		return nil, true
	}
	h.View(func(s *State) {
		if sh.Files != nil {
			data, ok = sh.Files(s, name)
		}
		if !ok {
			data, ok = s.Files[name]
			data = bytes.Clone(data)
		}
	})
	return data, ok
}

// redirect points the streams of c at the redirections' targets. The
// returned function writes the output captured for files to the host.
func (sh *Shell) redirect(c *Call, redirs []redirect) (commit func(), err error) {
	var writes []func()
	commit = func() {
		for _, w := range writes {
			w()
		}
	}
	for _, r := range redirs {
		if r.mode == "<" {
			data, ok := sh.ReadFile(c.Host, r.target)
			if !ok {
				return commit, fmt.Errorf("cannot open %s: No such file", r.target)
			}
			c.Stdin = bytes.NewReader(data)
			continue
		}
		if r.mode == "dup" {
			c.setStream(r.fd, c.stream(r.dupTo))
			continue
		}
		w, write := fileWriter(c.Host, r.target, r.mode == ">>")
		if write != nil {
			writes = append(writes, write)
		}
		c.setStream(r.fd, w)
		if r.mode == "both" {
			c.setStream(2, w)
		}
	}
	return commit, nil
}

// fileWriter returns a writer for a redirection to name and, unless name is
// /dev/null, a function that stores what was written on the host.
func fileWriter(h *Host, name string, appendTo bool) (io.Writer, func()) {
	if name == "/dev/null" {
		return io.Discard, nil
	}
	buf := &bytes.Buffer{}
	return buf, func() {
		h.Change(func(s *State) {
			if appendTo {
				s.Files[name] = append(s.Files[name], buf.Bytes()...)
				return
			}
			s.Files[name] = bytes.Clone(buf.Bytes())
		})
	}
}

func (c *Call) stream(fd int) io.Writer {
	if fd == 2 {
		return c.Stderr
	}
	return c.Stdout
}

func (c *Call) setStream(fd int, w io.Writer) {
	if fd == 2 {
		c.Stderr = w
	} else {
		c.Stdout = w
	}
}
