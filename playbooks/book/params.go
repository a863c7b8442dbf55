package book

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Param is one step parameter, kept as the text the author typed so that
// values such as 0755 or 7.10 are not changed by YAML's number rules.
type Param struct {
	Text   string   // the scalar's text; empty for a list
	List   []string // the elements of a list
	IsList bool
	Pos    Pos
}

// Params are a step's parameters by name.
type Params map[string]Param

// Names returns the parameter names in sorted order.
func (p Params) Names() []string {
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// String returns the text of the scalar parameter name, or def when unset.
func (p Params) String(name, def string) string {
	if v, ok := p[name]; ok && !v.IsList {
		return v.Text
	}
	return def
}

// List returns the list parameter name. A scalar counts as a list of one.
func (p Params) List(name string) []string {
	v, ok := p[name]
	switch {
	case !ok:
		return nil
	case v.IsList:
		return v.List
	}
	return []string{v.Text}
}

// Bool returns the boolean parameter name, or def when unset or invalid.
// CheckBool reports an invalid value at load time.
func (p Params) Bool(name string, def bool) bool {
	v, ok := p[name]
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v.Text)
	if err != nil {
		return def
	}
	return b
}

// Duration returns the duration parameter name, or def when unset or
// invalid. CheckDuration reports an invalid value at load time.
func (p Params) Duration(name string, def time.Duration) time.Duration {
	v, ok := p[name]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v.Text)
	if err != nil {
		return def
	}
	return d
}

// Expand returns a copy of p with ${name} replaced by vars[name] in every
// text. An unknown variable is an error naming it.
func (p Params) Expand(vars map[string]string) (Params, error) {
	out := make(Params, len(p))
	for name, v := range p {
		text, err := expand(v.Text, vars)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		list := make([]string, len(v.List))
		for i, e := range v.List {
			if list[i], err = expand(e, vars); err != nil {
				return nil, fmt.Errorf("parameter %s: %w", name, err)
			}
		}
		out[name] = Param{Text: text, List: list, IsList: v.IsList, Pos: v.Pos}
	}
	return out, nil
}

func expand(s string, vars map[string]string) (string, error) {
	var missing string
	out := os.Expand(s, func(name string) string {
		v, ok := vars[name]
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("variable %q is not defined; add it under variables or pass --var %s=VALUE", missing, missing)
	}
	return out, nil
}

// CheckKnown returns a problem for each parameter not in known.
func (p Params) CheckKnown(known ...string) []ParamProblem {
	var probs []ParamProblem
	for _, name := range p.Names() {
		if !contains(known, name) {
			probs = append(probs, ParamProblem{name, fmt.Sprintf("unknown parameter %q; valid parameters are %s", name, strings.Join(known, ", "))})
		}
	}
	return probs
}

// CheckRequired returns a problem when the scalar parameter name is unset
// or empty.
func (p Params) CheckRequired(name string) []ParamProblem {
	if v, ok := p[name]; !ok || (!v.IsList && strings.TrimSpace(v.Text) == "") {
		return []ParamProblem{{name, fmt.Sprintf("parameter %q is required", name)}}
	}
	return nil
}

// CheckBool returns a problem when parameter name is set and not a bool.
func (p Params) CheckBool(name string) []ParamProblem {
	v, ok := p[name]
	if !ok || deferred(v) {
		return nil
	}
	if v.Text != "true" && v.Text != "false" {
		return []ParamProblem{{name, fmt.Sprintf("parameter %q is %q; use true or false", name, v.Text)}}
	}
	return nil
}

// CheckDuration returns a problem when parameter name is set and not a
// positive Go duration.
func (p Params) CheckDuration(name string) []ParamProblem {
	v, ok := p[name]
	if !ok || deferred(v) {
		return nil
	}
	if d, err := time.ParseDuration(v.Text); err != nil || d <= 0 {
		return []ParamProblem{{name, fmt.Sprintf("parameter %q is %q; use a positive duration such as 90s or 10m", name, v.Text)}}
	}
	return nil
}

// CheckOneOf returns a problem when parameter name is set to a value
// outside allowed.
func (p Params) CheckOneOf(name string, allowed ...string) []ParamProblem {
	v, ok := p[name]
	if !ok || deferred(v) || contains(allowed, v.Text) {
		return nil
	}
	return []ParamProblem{{name, fmt.Sprintf("parameter %q is %q; use one of %s", name, v.Text, strings.Join(allowed, ", "))}}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// deferred reports whether v refers to a variable, so its value can only be
// checked once the variables are expanded before the run.
func deferred(v Param) bool { return strings.Contains(v.Text, "${") }
