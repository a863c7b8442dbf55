package conformance

import (
	"fmt"
	"path"
	"strings"
)

// POSIX returns the commands for a POSIX shell with coreutils, as OpenSSH
// hosts and the lab's local shell run them.
func POSIX() Commands {
	return Commands{
		Echo:       func(text string) string { return "printf '%s\\n' " + ShellQuote(text) },
		EchoStderr: func(text string) string { return "printf '%s\\n' " + ShellQuote(text) + " >&2" },
		Exit:       func(code int) string { return fmt.Sprintf("exit %d", code) },
		Stream:     "echo ready; sleep 60; echo done",
		Large:      func(n int) string { return fmt.Sprintf("yes patchbay | head -c %d", n) },
		// printf with octal escapes is in POSIX; the three-digit form
		// keeps every byte, NUL included.
		Binary:   "printf '" + octalEscapes() + "'",
		Cat:      "cat",
		ReadFile: func(p string) string { return "cat " + ShellQuote(p) },
		FileMode: func(p string) string { return "stat -c %a " + ShellQuote(p) },
		Join:     func(dir, name string) string { return path.Join(dir, name) },
	}
}

func octalEscapes() string {
	var b strings.Builder
	for i := range 256 {
		fmt.Fprintf(&b, "\\%03o", i)
	}
	return b.String()
}

// ShellQuote quotes s as one word for a POSIX shell.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
