package when

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

type tokKind int

const (
	tokEnd tokKind = iota
	tokName
	tokString
	tokNumber
	tokOp
	tokOpen
	tokClose
)

type token struct {
	kind tokKind
	text string
	col  int // 1-based column of the token's first character
}

// roots are the name spaces an expression may read.
var roots = map[string]bool{"facts": true, "vars": true, "host": true}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			kind := tokOpen
			if c == ')' {
				kind = tokClose
			}
			toks = append(toks, token{kind, string(c), i + 1})
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("column %d: string is not closed; add the closing %c", i+1, c)
			}
			toks = append(toks, token{tokString, s[i+1 : i+1+end], i + 1})
			i += end + 2
		case strings.ContainsRune("=!<>", rune(c)):
			n := 1
			if i+1 < len(s) && s[i+1] == '=' {
				n = 2
			}
			op := s[i : i+n]
			if op == "=" || op == "!" {
				return nil, fmt.Errorf("column %d: %q is not an operator; use == or !=", i+1, op)
			}
			toks = append(toks, token{tokOp, op, i + 1})
			i += n
		case c >= '0' && c <= '9' || c == '-':
			n := scan(s[i:], func(r rune) bool { return r == '.' || r == '-' || unicode.IsDigit(r) })
			toks = append(toks, token{tokNumber, s[i : i+n], i + 1})
			i += n
		case unicode.IsLetter(rune(c)) || c == '_':
			n := scan(s[i:], func(r rune) bool {
				return r == '.' || r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
			})
			toks = append(toks, token{tokName, s[i : i+n], i + 1})
			i += n
		default:
			return nil, fmt.Errorf("column %d: unexpected character %q", i+1, c)
		}
	}
	return append(toks, token{kind: tokEnd, col: len(s) + 1}), nil
}

func scan(s string, ok func(rune) bool) int {
	for i, r := range s {
		if !ok(r) {
			return i
		}
	}
	return len(s)
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEnd {
		p.pos++
	}
	return t
}

func (p *parser) parseOr() (node, error) {
	return p.parseLogic("or", p.parseAnd)
}

func (p *parser) parseAnd() (node, error) {
	return p.parseLogic("and", p.parseNot)
}

func (p *parser) parseLogic(op string, operand func() (node, error)) (node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == tokName && t.text == op; t = p.peek() {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = logic{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseNot() (node, error) {
	if t := p.peek(); t.kind == tokName && t.text == "not" {
		p.next()
		x, err := p.parseNot()
		return notNode{x}, err
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (node, error) {
	l, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tokOp && !(t.kind == tokName && t.text == "in") {
		return l, nil
	}
	p.next()
	r, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	return compare{op: t.text, l: l, r: r}, nil
}

func (p *parser) parseOperand() (node, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return literal{t.text}, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("column %d: %q is not a number", t.col, t.text)
		}
		return literal{f}, nil
	case tokOpen:
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokClose {
			return nil, fmt.Errorf("column %d: missing ) to close the ( at column %d", c.col, t.col)
		}
		return x, nil
	case tokName:
		return parseName(t)
	case tokEnd:
		return nil, fmt.Errorf("column %d: the condition ends where a value was expected", t.col)
	}
	return nil, fmt.Errorf("column %d: unexpected %q where a value was expected", t.col, t.text)
}

func parseName(t token) (node, error) {
	switch t.text {
	case "true":
		return literal{true}, nil
	case "false":
		return literal{false}, nil
	}
	root, rest, _ := strings.Cut(t.text, ".")
	if !roots[root] || rest == "" || strings.HasSuffix(rest, ".") {
		return nil, fmt.Errorf("column %d: unknown name %q; names start with facts., vars. or host., and strings need quotes", t.col, t.text)
	}
	return ref(t.text), nil
}
