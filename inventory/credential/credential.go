// Package credential resolves the secret references of a patchbay
// inventory: an environment variable, a file that only its owner can read,
// the user's ssh-agent, or a command whose standard output is the secret.
// Resolved secrets are wrapped in Secret, whose formatting methods print a
// redaction, so a secret does not reach a log, the journal or an error text
// by accident.
package credential

import (
	"time"
)

// Kind is the source of a secret.
type Kind string

// Kinds of reference.
const (
	KindEnv     Kind = "env"     // an environment variable
	KindFile    Kind = "file"    // a file of mode 0600 or stricter
	KindAgent   Kind = "agent"   // the ssh-agent at SSH_AUTH_SOCK; no secret is read
	KindCommand Kind = "command" // a command's standard output
)

// DefaultTimeout bounds a KindCommand reference without its own timeout.
const DefaultTimeout = 30 * time.Second

// Ref is a reference to a secret.
type Ref struct {
	Kind Kind
	// Env is the variable name for KindEnv.
	Env string
	// Path is the file for KindFile. A leading "~/" means the home folder.
	// The inventory loader resolves a relative path against the folder of
	// the inventory file that contains it.
	Path string
	// Command is the program and its arguments for KindCommand. It runs
	// without a shell.
	Command []string
	// Timeout bounds KindCommand; 0 means DefaultTimeout.
	Timeout time.Duration
}

// String describes the reference without any secret, for messages.
func (r Ref) String() string {
	switch r.Kind {
	case KindEnv:
		return "environment variable " + r.Env
	case KindFile:
		return "file " + r.Path
	case KindAgent:
		return "ssh-agent"
	case KindCommand:
		if len(r.Command) > 0 {
			return "command " + r.Command[0]
		}
		return "command"
	}
	return "credential reference"
}
