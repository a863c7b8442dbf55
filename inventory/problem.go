package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// Severity separates errors, which stop loading, from warnings.
type Severity int

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// Problem is one finding about the inventory, with where it was found.
// Message names the offending value and the fix.
type Problem struct {
	Pos      Pos
	Severity Severity
	Message  string
}

// String formats the problem as "file:line:column: message", the form
// editors and terminals link to; warnings carry a "warning: " prefix.
func (p Problem) String() string {
	prefix := ""
	if p.Severity == SeverityWarning {
		prefix = "warning: "
	}
	return p.Pos.String() + ": " + prefix + p.Message
}

// String formats the position as "file:line:column", leaving out parts
// that are unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// ErrInvalid is wrapped by every *LoadError, so callers can map an invalid
// inventory to an input error with errors.Is.
var ErrInvalid = errors.New("invalid inventory")

// LoadError is returned when an inventory has errors. It lists every error
// found in one pass, and the warnings, in file order.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	var b strings.Builder
	n := 0
	for _, p := range e.Problems {
		if p.Severity == SeverityError {
			n++
		}
	}
	fmt.Fprintf(&b, "%s: %d error(s)", ErrInvalid, n)
	for _, p := range e.Problems {
		b.WriteString("\n" + p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *LoadError) Unwrap() error { return ErrInvalid }
