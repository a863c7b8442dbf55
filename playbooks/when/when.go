// Package when is the condition language of playbook steps: a small,
// side-effect-free expression over facts, variables and host attributes.
//
// Grammar, lowest precedence first:
//
//	expr    = and { "or" and }
//	and     = not { "and" not }
//	not     = "not" not | compare
//	compare = operand [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) operand ]
//	operand = name | string | number | "true" | "false" | "(" expr ")"
//	name    = ( "facts" | "vars" | "host" ) "." word { "." word }
//
// Strings are quoted with ' or ". Numbers are decimal. "in" tests whether a
// string is an element of a list (host.tags, facts.users) or a substring of
// a string. Ordering operators compare numbers only. A name that is not set
// is an evaluation error, never a silent false, so a typo cannot skip a
// step unnoticed. There are no function calls, loops or assignments, so an
// expression always ends and cannot change anything.
package when

import (
	"fmt"
	"strconv"
	"strings"
)

// Value is a value an expression works with: a string, a float64, a bool
// or a []string.
type Value any

// Lookup returns the value of a dotted name such as "facts.reboot_pending",
// or false when the name is not set.
type Lookup func(name string) (Value, bool)

// Expr is a parsed condition.
type Expr struct {
	text string
	root node
}

// String returns the expression as written.
func (e *Expr) String() string { return e.text }

// Names returns every name the expression reads, in order of appearance.
func (e *Expr) Names() []string {
	var names []string
	walk(e.root, func(n node) {
		if r, ok := n.(ref); ok {
			names = append(names, string(r))
		}
	})
	return names
}

// Eval evaluates the expression and requires a bool result.
func (e *Expr) Eval(lookup Lookup) (bool, error) {
	v, err := e.root.eval(lookup)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", e.text, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %q: result is %s, not true or false; compare it, for example with == or >", e.text, describe(v))
	}
	return b, nil
}

// Parse parses a condition. The error names the column where parsing failed.
func Parse(text string) (*Expr, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEnd {
		return nil, fmt.Errorf("column %d: unexpected %q after the end of the condition", t.col, t.text)
	}
	return &Expr{text: text, root: root}, nil
}

type node interface {
	eval(Lookup) (Value, error)
}

type (
	literal struct{ v Value }
	ref     string
	notNode struct{ x node }
	logic   struct {
		op   string
		l, r node
	}
	compare struct {
		op   string
		l, r node
	}
)

func walk(n node, f func(node)) {
	f(n)
	switch n := n.(type) {
	case notNode:
		walk(n.x, f)
	case logic:
		walk(n.l, f)
		walk(n.r, f)
	case compare:
		walk(n.l, f)
		walk(n.r, f)
	}
}

func (n literal) eval(Lookup) (Value, error) { return n.v, nil }

func (n ref) eval(lookup Lookup) (Value, error) {
	v, ok := lookup(string(n))
	if !ok {
		return nil, fmt.Errorf("%s is not set", string(n))
	}
	return v, nil
}

func (n notNode) eval(lookup Lookup) (Value, error) {
	b, err := evalBool(n.x, lookup, "not")
	return !b, err
}

func (n logic) eval(lookup Lookup) (Value, error) {
	l, err := evalBool(n.l, lookup, n.op)
	if err != nil {
		return nil, err
	}
	if n.op == "and" && !l || n.op == "or" && l {
		return l, nil
	}
	return evalBool(n.r, lookup, n.op)
}

func evalBool(n node, lookup Lookup, op string) (bool, error) {
	v, err := n.eval(lookup)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%q needs true or false, got %s", op, describe(v))
	}
	return b, nil
}

func (n compare) eval(lookup Lookup) (Value, error) {
	l, err := n.l.eval(lookup)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(lookup)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in":
		return contains(l, r)
	}
	return order(n.op, l, r)
}

func equal(l, r Value) bool {
	switch l := l.(type) {
	case []string:
		rl, ok := r.([]string)
		return ok && strings.Join(l, "\x00") == strings.Join(rl, "\x00")
	default:
		return l == r
	}
}

func contains(l, r Value) (Value, error) {
	s, ok := l.(string)
	if !ok {
		return nil, fmt.Errorf("the left side of \"in\" must be a string, got %s", describe(l))
	}
	switch r := r.(type) {
	case []string:
		for _, e := range r {
			if e == s {
				return true, nil
			}
		}
		return false, nil
	case string:
		return strings.Contains(r, s), nil
	}
	return nil, fmt.Errorf("the right side of \"in\" must be a list or a string, got %s", describe(r))
}

func order(op string, l, r Value) (Value, error) {
	lf, lok := l.(float64)
	rf, rok := r.(float64)
	if !lok || !rok {
		return nil, fmt.Errorf("%q compares numbers only, got %s and %s", op, describe(l), describe(r))
	}
	switch op {
	case "<":
		return lf < rf, nil
	case "<=":
		return lf <= rf, nil
	case ">":
		return lf > rf, nil
	}
	return lf >= rf, nil
}

func describe(v Value) string {
	switch v := v.(type) {
	case string:
		return "the string " + strconv.Quote(v)
	case float64:
		return "the number " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "the bool " + strconv.FormatBool(v)
	case []string:
		return fmt.Sprintf("a list of %d strings", len(v))
	}
	return fmt.Sprintf("an unsupported value %T", v)
}
