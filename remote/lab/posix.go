package lab

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// posixCommands are the commands every POSIX host has. A personality's
// Shell.Commands take precedence over them.
var posixCommands map[string]CommandFunc

func init() {
	posixCommands = map[string]CommandFunc{
		"true":     func(context.Context, *Call) (int, error) { return 0, nil },
		":":        func(context.Context, *Call) (int, error) { return 0, nil },
		"false":    func(context.Context, *Call) (int, error) { return 1, nil },
		"echo":     runEcho,
		"printf":   runPrintf,
		"cat":      runCat,
		"test":     runTest,
		"[":        runTest,
		"sleep":    runSleep,
		"exit":     runExit,
		"id":       runID,
		"whoami":   runWhoami,
		"hostname": runHostname,
		"grep":     runGrep,
		"head":     runHead,
		"wc":       runWc,
		"rm":       runRm,
		"mkdir":    func(context.Context, *Call) (int, error) { return 0, nil },
		"chmod":    func(context.Context, *Call) (int, error) { return 0, nil },
		"scp":      runSCP,
	}
}

func runEcho(_ context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	newline := true
	if len(args) > 0 && args[0] == "-n" {
		newline, args = false, args[1:]
	}
	c.Printf("%s", strings.Join(args, " "))
	if newline {
		c.Printf("\n")
	}
	return 0, nil
}

// runPrintf handles %s, %d and %% conversions and the escapes of
// unescapePrintf, reusing the format for extra arguments as printf does.
func runPrintf(_ context.Context, c *Call) (int, error) {
	if len(c.Args) < 2 {
		c.Errorf("printf: usage: printf format [arguments]\n")
		return 2, nil
	}
	format := unescapePrintf(c.Args[1])
	args := c.Args[2:]
	for {
		used := printfOnce(c.Stdout, format, args)
		if used == 0 || used >= len(args) {
			return 0, nil
		}
		args = args[used:]
	}
}

// unescapePrintf replaces the backslash escapes of a printf format that
// the lab supports: \n, \t, \\ and \NNN, one to three octal digits giving
// one byte, as POSIX printf reads them.
func unescapePrintf(format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '\\' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		switch c := format[i]; {
		case c == 'n':
			b.WriteByte('\n')
		case c == 't':
			b.WriteByte('\t')
		case c == '\\':
			b.WriteByte('\\')
		case c >= '0' && c <= '7':
			n, end := 0, min(i+3, len(format))
			for ; i < end && format[i] >= '0' && format[i] <= '7'; i++ {
				n = n*8 + int(format[i]-'0')
			}
			i--
			b.WriteByte(byte(n))
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

func printfOnce(w io.Writer, format string, args []string) (used int) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		arg := ""
		if used < len(args) {
			arg = args[used]
		}
		used++
		b.WriteString(arg)
	}
	io.WriteString(w, b.String())
	return used
}

func runCat(_ context.Context, c *Call) (int, error) {
	if len(c.Args) == 1 {
		io.Copy(c.Stdout, c.Stdin)
		return 0, nil
	}
	status := 0
	for _, name := range c.Args[1:] {
		data, ok := c.Shell.ReadFile(c.Host, name)
		if !ok {
			c.Errorf("cat: %s: No such file or directory\n", name)
			status = 1
			continue
		}
		c.Stdout.Write(data)
	}
	return status, nil
}

// runTest evaluates the forms of test that scripts use on these hosts:
// -f, -e, -s, -n, -z, =, != and a negation.
func runTest(_ context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	if c.Args[0] == "[" {
		if len(args) == 0 || args[len(args)-1] != "]" {
			c.Errorf("sh: 1: [: missing ]\n")
			return 2, nil
		}
		args = args[:len(args)-1]
	}
	negate := len(args) > 0 && args[0] == "!"
	if negate {
		args = args[1:]
	}
	ok, err := evalTest(c, args)
	if err != nil {
		c.Errorf("sh: 1: test: %v\n", err)
		return 2, nil
	}
	if ok != negate {
		return 0, nil
	}
	return 1, nil
}

func evalTest(c *Call, args []string) (bool, error) {
	switch {
	case len(args) == 0:
		return false, nil
	case len(args) == 1:
		return args[0] != "", nil
	case len(args) == 2 && (args[0] == "-f" || args[0] == "-e"):
		_, ok := c.Shell.ReadFile(c.Host, args[1])
		return ok, nil
	case len(args) == 2 && args[0] == "-s":
		data, ok := c.Shell.ReadFile(c.Host, args[1])
		return ok && len(data) > 0, nil
	case len(args) == 2 && args[0] == "-n":
		return args[1] != "", nil
	case len(args) == 2 && args[0] == "-z":
		return args[1] == "", nil
	case len(args) == 3 && args[1] == "=":
		return args[0] == args[2], nil
	case len(args) == 3 && args[1] == "!=":
		return args[0] != args[2], nil
	}
	return false, fmt.Errorf("%s: unexpected operator", strings.Join(args, " "))
}

func runSleep(ctx context.Context, c *Call) (int, error) {
	if len(c.Args) != 2 {
		c.Errorf("sleep: missing operand\n")
		return 1, nil
	}
	d, err := parseSeconds(c.Args[1])
	if err != nil {
		c.Errorf("sleep: invalid time interval '%s'\n", c.Args[1])
		return 1, nil
	}
	if err := sleep(ctx, c.Host.Clock(), d); err != nil {
		return 130, nil
	}
	return 0, nil
}

func runExit(_ context.Context, c *Call) (int, error) {
	code := 0
	if len(c.Args) > 1 {
		n, err := strconv.Atoi(c.Args[1])
		if err != nil {
			c.Errorf("sh: 1: exit: Illegal number: %s\n", c.Args[1])
			return 2, nil
		}
		code = n & 0xff
	}
	return code, exitRequest{code: code}
}

func runID(_ context.Context, c *Call) (int, error) {
	if c.Root {
		if len(c.Args) > 1 && c.Args[1] == "-u" {
			c.Printf("0\n")
		} else {
			c.Printf("uid=0(root) gid=0(root) groups=0(root)\n")
		}
		return 0, nil
	}
	if len(c.Args) > 1 && c.Args[1] == "-u" {
		c.Printf("1000\n")
		return 0, nil
	}
	c.Printf("uid=1000(%[1]s) gid=1000(%[1]s) groups=1000(%[1]s),27(sudo)\n", c.X.User)
	return 0, nil
}

func runWhoami(_ context.Context, c *Call) (int, error) {
	if c.Root {
		c.Printf("root\n")
	} else {
		c.Printf("%s\n", c.X.User)
	}
	return 0, nil
}

func runHostname(_ context.Context, c *Call) (int, error) {
	c.Printf("%s\n", c.Host.Name())
	return 0, nil
}

// runGrep supports the options scripts use to test output: -q, -c, -v, -i,
// -E and -F.
func runGrep(_ context.Context, c *Call) (int, error) {
	opts, args := grepOptions(c.Args[1:])
	if len(args) == 0 {
		c.Errorf("Usage: grep [OPTION]... PATTERNS [FILE]...\n")
		return 2, nil
	}
	re, err := opts.compile(args[0])
	if err != nil {
		c.Errorf("grep: invalid regular expression: %s\n", args[0])
		return 2, nil
	}
	in := c.Stdin
	if len(args) > 1 {
		data, ok := c.Shell.ReadFile(c.Host, args[1])
		if !ok {
			c.Errorf("grep: %s: No such file or directory\n", args[1])
			return 2, nil
		}
		in = bytes.NewReader(data)
	}
	n := 0
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		if re.MatchString(sc.Text()) == opts.invert {
			continue
		}
		n++
		if !opts.quiet && !opts.count {
			c.Printf("%s\n", sc.Text())
		}
	}
	if opts.count && !opts.quiet {
		c.Printf("%d\n", n)
	}
	if n == 0 {
		return 1, nil
	}
	return 0, nil
}

// grepFlags are the grep options the lab emulates.
type grepFlags struct{ quiet, count, invert, fixed, fold bool }

func grepOptions(args []string) (grepFlags, []string) {
	var f grepFlags
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		for _, o := range args[0][1:] {
			switch o {
			case 'q':
				f.quiet = true
			case 'c':
				f.count = true
			case 'v':
				f.invert = true
			case 'F':
				f.fixed = true
			case 'i':
				f.fold = true
			}
		}
		args = args[1:]
	}
	return f, args
}

func (f grepFlags) compile(pattern string) (*regexp.Regexp, error) {
	if f.fixed {
		pattern = regexp.QuoteMeta(pattern)
	}
	if f.fold {
		pattern = "(?i)" + pattern
	}
	return regexp.Compile(pattern)
}

func runHead(_ context.Context, c *Call) (int, error) {
	n := 10
	args := c.Args[1:]
	if len(args) >= 2 && args[0] == "-n" {
		n, _ = strconv.Atoi(args[1])
	} else if len(args) == 1 && strings.HasPrefix(args[0], "-") {
		n, _ = strconv.Atoi(args[0][1:])
	}
	sc := bufio.NewScanner(c.Stdin)
	for i := 0; i < n && sc.Scan(); i++ {
		c.Printf("%s\n", sc.Text())
	}
	return 0, nil
}

func runWc(_ context.Context, c *Call) (int, error) {
	data, _ := io.ReadAll(c.Stdin)
	c.Printf("%d\n", bytes.Count(data, []byte("\n")))
	return 0, nil
}

func runRm(_ context.Context, c *Call) (int, error) {
	for _, name := range c.Args[1:] {
		if strings.HasPrefix(name, "-") {
			continue
		}
		c.Host.ChangeIf(func(s *State) bool {
			_, ok := s.Files[name]
			delete(s.Files, name)
			return ok
		})
	}
	return 0, nil
}
