package lab

import (
	"context"
	"errors"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"
)

// wrappers are the commands that run another command: they change the
// user, the environment or the deadline, then dispatch the rest.
var wrappers map[string]CommandFunc

func init() {
	wrappers = map[string]CommandFunc{
		"sudo":    runSudo,
		"env":     runEnv,
		"nohup":   runShifted,
		"command": runShifted,
		"exec":    runShifted,
		"timeout": runTimeout,
		"sh":      runSh,
		"bash":    runSh,
		"dash":    runSh,
	}
}

// runSudo runs the command as root. The lab user may use sudo without a
// password, so -n succeeds.
func runSudo(ctx context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		opt := args[0]
		args = args[1:]
		if opt == "--" {
			break
		}
		if opt == "-u" && len(args) > 0 {
			args = args[1:]
		}
	}
	args = takeAssignments(c.Env, args)
	if len(args) == 0 {
		c.Errorf("usage: sudo -h | -K | -k | -V\n")
		return 1, nil
	}
	sub := *c
	sub.Args, sub.Root = args, true
	return c.Shell.Dispatch(ctx, &sub)
}

func runEnv(ctx context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if args[0] == "-i" {
			clear(c.Env)
		}
		if args[0] == "-u" && len(args) > 1 {
			delete(c.Env, args[1])
			args = args[1:]
		}
		args = args[1:]
	}
	args = takeAssignments(c.Env, args)
	if len(args) == 0 {
		for k, v := range c.Env {
			c.Printf("%s=%s\n", k, v)
		}
		return 0, nil
	}
	sub := *c
	sub.Args = args
	return c.Shell.Dispatch(ctx, &sub)
}

// takeAssignments moves the leading NAME=value arguments into env and
// returns the rest.
func takeAssignments(env map[string]string, args []string) []string {
	for len(args) > 0 && isAssignment(args[0]) {
		name, value, _ := strings.Cut(args[0], "=")
		env[name] = value
		args = args[1:]
	}
	return args
}

// runShifted runs its arguments as a command, for nohup, command and exec.
func runShifted(ctx context.Context, c *Call) (int, error) {
	if len(c.Args) < 2 {
		return 0, nil
	}
	sub := *c
	sub.Args = c.Args[1:]
	return c.Shell.Dispatch(ctx, &sub)
}

// runTimeout runs a command with a deadline and exits 124 when it passes.
func runTimeout(ctx context.Context, c *Call) (int, error) {
	if len(c.Args) < 3 {
		c.Errorf("timeout: missing operand\n")
		return 125, nil
	}
	d, err := parseSeconds(c.Args[1])
	if err != nil {
		c.Errorf("timeout: invalid time interval '%s'\n", c.Args[1])
		return 125, nil
	}
	sub := *c
	sub.Args = c.Args[2:]
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := c.Host.Clock().AfterFunc(d, cancel)
	defer stop()
	code, err := c.Shell.Dispatch(tctx, &sub)
	if ctx.Err() == nil && tctx.Err() != nil {
		return 124, nil
	}
	return code, err
}

// parseSeconds reads a duration as sleep and timeout take it: a number of
// seconds with an optional s, m, h or d suffix.
func parseSeconds(s string) (time.Duration, error) {
	unit := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		s, unit = s[:len(s)-1], time.Minute
	case strings.HasSuffix(s, "h"):
		s, unit = s[:len(s)-1], time.Hour
	case strings.HasSuffix(s, "d"):
		s, unit = s[:len(s)-1], 24*time.Hour
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, errors.New("invalid duration")
	}
	return time.Duration(f * float64(unit)), nil
}

// runSh runs sh -c LINE, or the script on standard input without -c.
func runSh(ctx context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	for len(args) > 0 && args[0] != "-c" && strings.HasPrefix(args[0], "-") {
		args = args[1:]
	}
	var line string
	switch {
	case len(args) >= 2 && args[0] == "-c":
		line = args[1]
	case len(args) == 0:
		data, err := io.ReadAll(c.Stdin)
		if err != nil {
			return 1, nil
		}
		line = string(data)
	default:
		c.Errorf("%s: 0: cannot open %s: No such file\n", c.Args[0], args[0])
		return 2, nil
	}
	sub := *c
	sub.Env = maps.Clone(c.Env)
	code, err := c.Shell.RunLine(ctx, &sub, line)
	var exit exitRequest
	if errors.As(err, &exit) {
		return exit.code, nil
	}
	return code, err
}
