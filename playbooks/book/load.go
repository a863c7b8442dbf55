package book

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"patchbay/playbooks/when"
)

// namePattern is the syntax of playbook, step and variable names.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

var (
	topKeys  = []string{"name", "description", "platforms", "variables", "steps"}
	stepKeys = []string{"name", "action", "params", "when", "timeout", "retries", "backoff", "on_failure", "changes", "stage"}
)

// Load parses one playbook file. file names the source in error messages
// and becomes the playbook's Source. On failure the error is an *Error
// with every problem found.
func Load(file string, data []byte, actions Resolver) (*Playbook, error) {
	l := &loader{file: file, actions: actions}
	pb := l.load(data)
	if len(l.problems) > 0 {
		return nil, &Error{Problems: l.problems}
	}
	pb.Source = file
	return pb, nil
}

type loader struct {
	file     string
	actions  Resolver
	problems []Problem
}

func (l *loader) errorf(n ast.Node, format string, args ...any) {
	l.problems = append(l.problems, Problem{Pos: l.pos(n), Message: fmt.Sprintf(format, args...)})
}

func (l *loader) pos(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{File: l.file}
	}
	p := n.GetToken().Position
	return Pos{File: l.file, Line: p.Line, Col: p.Column}
}

func (l *loader) load(data []byte) *Playbook {
	pb := &Playbook{Variables: map[string]string{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		l.syntaxError(err)
		return pb
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		l.problems = append(l.problems, Problem{Pos: Pos{File: l.file}, Message: "file must hold exactly one YAML document with a playbook"})
		return pb
	}
	root := f.Docs[0].Body
	fields := l.mapping(root, "the playbook", topKeys)
	if fields == nil {
		return pb
	}
	pb.Name = l.name(fields, root, "name", "playbook")
	pb.Description = l.optionalText(fields["description"])
	pb.Platforms = l.platforms(fields, root)
	pb.Variables = l.variables(fields["variables"])
	pb.Steps = l.steps(fields, root)
	return pb
}

func (l *loader) syntaxError(err error) {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		p := ye.GetToken().Position
		msg := ye.GetMessage()
		if strings.Contains(msg, "tab character") || strings.Contains(msg, "'\t'") {
			msg = strings.ReplaceAll(msg, "'\t'", "tab")
			msg += "; indent with spaces, not a tab"
		}
		l.problems = append(l.problems, Problem{Pos: Pos{l.file, p.Line, p.Column}, Message: "invalid YAML: " + msg})
		return
	}
	l.problems = append(l.problems, Problem{Pos: Pos{File: l.file}, Message: "invalid YAML: " + err.Error()})
}

// mapping returns the values of a mapping node by key, reporting unknown
// and duplicate keys. It returns nil when n is not a mapping.
func (l *loader) mapping(n ast.Node, what string, known []string) map[string]ast.Node {
	var pairs []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	default:
		l.errorf(n, "%s must be a mapping of keys to values, not %s", what, kindOf(n))
		return nil
	}
	fields := map[string]ast.Node{}
	for _, kv := range pairs {
		key := kv.Key.GetToken().Value
		switch {
		case known != nil && !contains(known, key):
			l.errorf(kv.Key, "unknown key %q in %s; valid keys are %s", key, what, strings.Join(known, ", "))
		case fields[key] != nil:
			l.errorf(kv.Key, "duplicate key %q in %s; keep one", key, what)
		default:
			fields[key] = kv.Value
		}
	}
	return fields
}

// scalar returns the text of a scalar node as typed, reporting other nodes.
func (l *loader) scalar(n ast.Node, what string) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.LiteralNode:
		return s.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	case *ast.NullNode:
		return "", true
	}
	l.errorf(n, "%s must be a single value, not %s", what, kindOf(n))
	return "", false
}

func (l *loader) optionalText(n ast.Node) string {
	if n == nil {
		return ""
	}
	s, _ := l.scalar(n, "description")
	return s
}

func (l *loader) name(fields map[string]ast.Node, parent ast.Node, key, what string) string {
	n := fields[key]
	if n == nil {
		l.errorf(parent, "%s has no %q; add one", what, key)
		return ""
	}
	s, ok := l.scalar(n, what+" "+key)
	if ok && !namePattern.MatchString(s) {
		l.errorf(n, "%s %s %q is invalid; use lower-case letters, digits, '.', '_' and '-'", what, key, s)
	}
	return s
}

// strings returns a sequence of scalars; a single scalar counts as one.
func (l *loader) strings(n ast.Node, what string) []string {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		s, ok := l.scalar(n, what)
		if !ok {
			return nil
		}
		return []string{s}
	}
	var out []string
	for _, e := range seq.Values {
		if s, ok := l.scalar(e, what+" entry"); ok {
			out = append(out, s)
		}
	}
	return out
}

func (l *loader) platforms(fields map[string]ast.Node, root ast.Node) []string {
	n := fields["platforms"]
	if n == nil {
		l.errorf(root, "playbook has no \"platforms\"; list the platforms it covers, from %s", strings.Join(Platforms, ", "))
		return nil
	}
	list := l.strings(n, "platforms")
	for _, p := range list {
		if !contains(Platforms, p) {
			l.errorf(n, "unknown platform %q; use one of %s", p, strings.Join(Platforms, ", "))
		}
	}
	if len(list) == 0 {
		l.errorf(n, "platforms is empty; list the platforms the playbook covers")
	}
	return list
}

func (l *loader) variables(n ast.Node) map[string]string {
	vars := map[string]string{}
	if n == nil {
		return vars
	}
	for key, v := range l.mapping(n, "variables", nil) {
		if !namePattern.MatchString(key) || strings.ContainsAny(key, ".-") {
			l.errorf(v, "variable name %q is invalid; use lower-case letters, digits and '_'", key)
		}
		if s, ok := l.scalar(v, "variable "+key); ok {
			vars[key] = s
		}
	}
	return vars
}

func (l *loader) steps(fields map[string]ast.Node, root ast.Node) []Step {
	n := fields["steps"]
	seq, ok := n.(*ast.SequenceNode)
	if !ok || len(seq.Values) == 0 {
		if n == nil {
			n = root
		}
		l.errorf(n, "playbook needs a list of steps under \"steps\"")
		return nil
	}
	steps := make([]Step, 0, len(seq.Values))
	for i, sn := range seq.Values {
		steps = append(steps, l.step(sn, i+1))
	}
	return steps
}

func (l *loader) step(n ast.Node, index int) Step {
	what := fmt.Sprintf("step %d", index)
	st := Step{Pos: l.pos(n), OnFailure: Stop, Backoff: DefaultBackoff}
	fields := l.mapping(n, what, stepKeys)
	if fields == nil {
		return st
	}
	st.Name = l.optionalText(fields["name"])
	if st.Name == "" {
		st.Name = what
	}
	st.Params = l.params(fields["params"], what)
	st.When = l.condition(fields["when"])
	st.Timeout = l.duration(fields["timeout"], "timeout", 0)
	st.Backoff = l.duration(fields["backoff"], "backoff", DefaultBackoff)
	st.Retries = l.retries(fields["retries"])
	st.OnFailure = l.onFailure(fields["on_failure"])
	st.Stage = l.stage(fields["stage"])
	l.action(&st, fields, n, what)
	return st
}

// stage reads the step's stage flag, false when it is absent.
func (l *loader) stage(n ast.Node) bool {
	if n == nil {
		return false
	}
	s, _ := l.scalar(n, "stage")
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	l.errorf(n, "stage is %q; use true or false", s)
	return false
}

func (l *loader) action(st *Step, fields map[string]ast.Node, n ast.Node, what string) {
	an := fields["action"]
	if an == nil {
		l.errorf(n, "%s has no \"action\"; add one", what)
		return
	}
	st.Action, _ = l.scalar(an, "action")
	spec, ok := l.actions(st.Action)
	if !ok {
		l.errorf(an, "unknown action %q", st.Action)
		return
	}
	st.Changes = l.changes(fields["changes"], spec.Effect(), st.Action)
	st.ChangesDeclared = spec.Effect() == Declared
	for _, p := range spec.CheckParams(st.Params) {
		pos := st.Pos
		if v, ok := st.Params[p.Name]; ok {
			pos = v.Pos
		}
		l.problems = append(l.problems, Problem{Pos: pos, Message: p.Message})
	}
}

// changes reads the step's declaration and checks it against the action.
func (l *loader) changes(n ast.Node, effect Effect, action string) bool {
	declared := effect != Reads
	if n != nil {
		s, _ := l.scalar(n, "changes")
		switch s {
		case "true":
			declared = true
		case "false":
			declared = false
		default:
			l.errorf(n, "changes is %q; use true or false", s)
			return effect != Reads
		}
	}
	switch {
	case effect == Writes && !declared:
		l.errorf(n, "action %q changes the host, so the step cannot declare changes: false", action)
		return true
	case effect == Reads && declared:
		l.errorf(n, "action %q only reads the host, so the step must not declare changes: true", action)
		return false
	}
	return declared
}

func (l *loader) params(n ast.Node, what string) Params {
	params := Params{}
	if n == nil {
		return params
	}
	for key, v := range l.mapping(n, what+" params", nil) {
		p := Param{Pos: l.pos(v)}
		if seq, ok := v.(*ast.SequenceNode); ok {
			p.IsList = true
			p.List = l.strings(seq, "parameter "+key)
		} else if s, ok := l.scalar(v, "parameter "+key); ok {
			p.Text = s
		}
		params[key] = p
	}
	return params
}

func (l *loader) condition(n ast.Node) *when.Expr {
	if n == nil {
		return nil
	}
	s, ok := l.scalar(n, "when")
	if !ok {
		return nil
	}
	e, err := when.Parse(s)
	if err != nil {
		l.errorf(n, "invalid condition %q: %v", s, err)
		return nil
	}
	return e
}

func (l *loader) duration(n ast.Node, key string, def time.Duration) time.Duration {
	if n == nil {
		return def
	}
	s, ok := l.scalar(n, key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		l.errorf(n, "%s is %q; use a positive duration with a unit, such as 90s, 15m or 2h", key, s)
		return def
	}
	return d
}

func (l *loader) retries(n ast.Node) int {
	if n == nil {
		return 0
	}
	s, ok := l.scalar(n, "retries")
	if !ok {
		return 0
	}
	r, err := strconv.Atoi(s)
	if err != nil || r < 0 || r > MaxRetries {
		l.errorf(n, "retries is %q; use a whole number from 0 to %d", s, MaxRetries)
		return 0
	}
	return r
}

func (l *loader) onFailure(n ast.Node) OnFailure {
	if n == nil {
		return Stop
	}
	s, _ := l.scalar(n, "on_failure")
	switch OnFailure(s) {
	case Stop, Continue:
		return OnFailure(s)
	}
	l.errorf(n, "on_failure is %q; use stop or continue", s)
	return Stop
}

func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode, *ast.AnchorNode:
		return "an anchor or alias (not supported in playbooks)"
	}
	return "a " + strings.ToLower(n.Type().String())
}
