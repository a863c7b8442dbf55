package lab

import (
	"fmt"
	"strconv"
	"strings"
)

// simpleCommand is one command of a pipeline: VAR=value assignments, the
// arguments and the redirections.
type simpleCommand struct {
	assigns []string
	args    []string
	redirs  []redirect
}

// redirect is one redirection. Mode is ">", ">>", "<", "dup" (fd to the
// descriptor dupTo) or "both" (stdout and stderr to the file, bash's &>).
type redirect struct {
	fd     int
	mode   string
	target string
	dupTo  int
}

type pipeline []simpleCommand

// listItem is a pipeline with the operator that joins it to the one
// before: "" for the first, ";", "&&" or "||".
type listItem struct {
	connector string
	pipe      pipeline
}

// parseList parses tokens into an and-or list of pipelines.
func parseList(tokens []token) ([]listItem, error) {
	var items []listItem
	var pipe pipeline
	cur := simpleCommand{}
	connector := ""
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		switch {
		case !t.op:
			cur.addWord(t.text)
		case t.text == "|":
			if cur.empty() {
				return nil, fmt.Errorf("syntax error near unexpected token '|'")
			}
			pipe, cur = append(pipe, cur), simpleCommand{}
		case t.text == ";" || t.text == "&&" || t.text == "||":
			if !cur.empty() {
				pipe = append(pipe, cur)
			}
			if len(pipe) == 0 {
				if t.text == ";" {
					continue
				}
				return nil, fmt.Errorf("syntax error near unexpected token '%s'", t.text)
			}
			items = append(items, listItem{connector: connector, pipe: pipe})
			pipe, cur, connector = nil, simpleCommand{}, t.text
		default:
			r, err := parseRedirect(t.text, tokens, &i)
			if err != nil {
				return nil, err
			}
			cur.redirs = append(cur.redirs, r)
		}
	}
	if n := len(tokens); n > 0 && (tokens[n-1].text == "|" || tokens[n-1].text == "&&" || tokens[n-1].text == "||") && tokens[n-1].op {
		return nil, fmt.Errorf("syntax error: unexpected end of command line after '%s'", tokens[n-1].text)
	}
	if !cur.empty() {
		pipe = append(pipe, cur)
	}
	if len(pipe) > 0 {
		items = append(items, listItem{connector: connector, pipe: pipe})
	}
	return items, nil
}

func (c *simpleCommand) addWord(w string) {
	if len(c.args) == 0 && isAssignment(w) {
		c.assigns = append(c.assigns, w)
		return
	}
	c.args = append(c.args, w)
}

func (c *simpleCommand) empty() bool {
	return len(c.args) == 0 && len(c.assigns) == 0 && len(c.redirs) == 0
}

func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !isNameRune(r, i) {
			return false
		}
	}
	return true
}

// parseRedirect reads the redirection op and, unless it duplicates a
// descriptor, the target word after it.
func parseRedirect(op string, tokens []token, i *int) (redirect, error) {
	n := 0
	for n < len(op) && op[n] >= '0' && op[n] <= '9' {
		n++
	}
	r := redirect{fd: 1}
	if n > 0 {
		r.fd, _ = strconv.Atoi(op[:n])
	}
	rest := op[n:]
	switch {
	case rest == "&>":
		r.mode = "both"
	case strings.HasPrefix(rest, ">&") && len(rest) > 2:
		r.mode = "dup"
		r.dupTo, _ = strconv.Atoi(rest[2:])
		return r, nil
	case rest == ">" || rest == ">>":
		r.mode = rest
	case rest == "<":
		r.mode = "<"
		if n == 0 {
			r.fd = 0
		}
	default:
		return r, fmt.Errorf("redirection %q is not emulated by the lab shell", op)
	}
	if *i+1 >= len(tokens) || tokens[*i+1].op {
		return r, fmt.Errorf("syntax error: redirection %q has no file name", op)
	}
	*i++
	r.target = tokens[*i].text
	return r, nil
}
