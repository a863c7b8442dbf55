// Package book is the playbook format: the types of a playbook and its
// steps, and a strict YAML loader that reports every problem of a file in
// one pass with file:line:column.
//
// A playbook looks like this:
//
//	name: linux-apt-monthly
//	description: Monthly package upgrade for Debian and Ubuntu hosts
//	platforms: [linux-apt]
//	variables:
//	  conffile: keep-old
//	steps:
//	  - name: read facts
//	    action: facts
//	  - name: upgrade packages
//	    action: apt.upgrade
//	    params: {conffile: "${conffile}"}
//	    when: facts.updates_pending > 0
//	    timeout: 45m
//	    retries: 2
//	    on_failure: stop
//	    changes: true
//
// The loader does not run anything. It checks each step against the action
// it names through an ActionSpec, so an action that changes the host
// cannot be declared read-only.
package book

import (
	"fmt"
	"strings"
	"time"

	"patchbay/playbooks/when"
)

// Playbook is one loaded playbook.
type Playbook struct {
	Name        string
	Description string
	Platforms   []string          // platforms the playbook covers
	Variables   map[string]string // defaults, overridden by the operator
	Steps       []Step
	Source      string // "builtin" or the file it was loaded from
}

// Covers reports whether the playbook supports platform.
func (p *Playbook) Covers(platform string) bool {
	for _, q := range p.Platforms {
		if q == platform {
			return true
		}
	}
	return false
}

// ReadOnly reports whether no step of the playbook changes a host.
func (p *Playbook) ReadOnly() bool {
	for _, s := range p.Steps {
		if s.Changes {
			return false
		}
	}
	return true
}

// ReadOnlyByAction reports whether every step uses an action that only
// reads the host. A shell or powershell step declared changes: false does
// not count, because nothing checks its command.
func (p *Playbook) ReadOnlyByAction() bool {
	for _, s := range p.Steps {
		if s.Changes || s.ChangesDeclared {
			return false
		}
	}
	return true
}

// Step is one action of a playbook with its settings.
type Step struct {
	Name      string
	Action    string
	Params    Params
	When      *when.Expr    // nil means always
	Timeout   time.Duration // 0 means the action's default
	Retries   int           // extra attempts after a transient error
	Backoff   time.Duration // wait before the first retry; doubles after each
	OnFailure OnFailure
	Changes   bool // the step may change the host
	// ChangesDeclared is set when Changes is only the author's word,
	// because the action's effect depends on its command (shell,
	// powershell).
	ChangesDeclared bool
	// Stage marks a step that only prepares the host, such as downloading
	// updates, and may run while the site's maintenance window is closed.
	Stage bool
	Pos   Pos // where the step starts in its file
}

// OnFailure is the consequence of a failed step for its host.
type OnFailure string

// What a step's failure means.
const (
	// Stop ends the host's run as failed. It is the default.
	Stop OnFailure = "stop"
	// Continue records the failure and goes on with the next step.
	Continue OnFailure = "continue"
)

// Default values of step settings.
const (
	DefaultBackoff = 30 * time.Second
	MaxRetries     = 10
)

// Pos is a place in a playbook file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Platforms lists the platform names a playbook may cover.
var Platforms = []string{
	"windows", "windows-server", "hyperv", "macos", "linux-apt", "linux-dnf",
	"esxi", "cisco-ios", "cisco-iosxe", "fortios", "edgeos", "edgeswitch",
}

// Effect reports whether an action changes the host.
type Effect int

// Effects of actions.
const (
	// Reads never changes the host: the step must declare changes: false.
	Reads Effect = iota
	// Writes always changes the host: the step must declare changes: true.
	Writes
	// Declared depends on the command, so the step says it. A step of such
	// an action that omits "changes" counts as changing.
	Declared
)

// ActionSpec is the description of an action that the loader needs.
type ActionSpec interface {
	// Effect reports whether the action changes the host.
	Effect() Effect
	// CheckParams returns one message per problem with params. A message
	// names the parameter and the fix.
	CheckParams(p Params) []ParamProblem
}

// ParamProblem is an invalid or missing parameter.
type ParamProblem struct {
	Name    string // parameter name; its position is used when it is set
	Message string
}

// Resolver returns the spec of the action called name.
type Resolver func(name string) (ActionSpec, bool)

// Problem is one error found in a playbook file.
type Problem struct {
	Pos     Pos
	Message string
}

func (p Problem) String() string { return p.Pos.String() + ": " + p.Message }

// Error lists every problem found in one playbook file.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
