package lab

import (
	"fmt"
	"strings"
)

// The lab's POSIX hosts read command lines with a small shell: words with
// single and double quotes, backslash escapes and $VAR expansion; the
// operators ;, &&, || and |; and redirections such as 2>&1, >/dev/null and
// < FILE. Command substitution, globbing and background jobs are not
// emulated and fail with a message saying so.

// token is a word or an operator of a command line.
type token struct {
	text string
	op   bool
}

// lexer splits one command line into tokens.
type lexer struct {
	src    []rune
	pos    int
	env    func(string) string
	tokens []token
	word   strings.Builder
	inWord bool // a word was started, even an empty quoted one
}

// tokenize splits line into words and operators, expanding variables with
// env.
func tokenize(line string, env func(string) string) ([]token, error) {
	lx := &lexer{src: []rune(line), env: env}
	for lx.pos < len(lx.src) {
		if err := lx.step(); err != nil {
			return nil, err
		}
	}
	lx.endWord()
	return lx.tokens, nil
}

func (lx *lexer) step() error {
	c := lx.src[lx.pos]
	switch {
	case c == ' ' || c == '\t':
		lx.endWord()
		lx.pos++
	case c == '\n':
		lx.endWord()
		lx.emitOp(";")
		lx.pos++
	case c == '#' && !lx.inWord:
		lx.pos = len(lx.src)
	case c == '\'':
		return lx.singleQuoted()
	case c == '"':
		return lx.doubleQuoted()
	case c == '\\':
		lx.pos++
		if lx.pos < len(lx.src) {
			lx.add(lx.src[lx.pos])
			lx.pos++
		}
	case c == '$':
		return lx.dollar()
	case c == '`':
		return fmt.Errorf("command substitution with backquotes is not emulated by the lab shell")
	case strings.ContainsRune(";&|<>", c):
		return lx.operator()
	default:
		lx.add(c)
		lx.pos++
	}
	return nil
}

func (lx *lexer) add(r rune) {
	lx.word.WriteRune(r)
	lx.inWord = true
}

func (lx *lexer) endWord() {
	if lx.inWord {
		lx.tokens = append(lx.tokens, token{text: lx.word.String()})
	}
	lx.word.Reset()
	lx.inWord = false
}

func (lx *lexer) emitOp(op string) {
	lx.tokens = append(lx.tokens, token{text: op, op: true})
}

func (lx *lexer) singleQuoted() error {
	end := lx.find('\'', lx.pos+1)
	if end < 0 {
		return fmt.Errorf("unterminated single quote in command line")
	}
	lx.word.WriteString(string(lx.src[lx.pos+1 : end]))
	lx.inWord = true
	lx.pos = end + 1
	return nil
}

func (lx *lexer) doubleQuoted() error {
	lx.inWord = true
	lx.pos++
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '"':
			lx.pos++
			return nil
		case c == '\\' && lx.pos+1 < len(lx.src) && strings.ContainsRune("\"\\$`", lx.src[lx.pos+1]):
			lx.add(lx.src[lx.pos+1])
			lx.pos += 2
		case c == '$':
			if err := lx.dollar(); err != nil {
				return err
			}
		case c == '`':
			return fmt.Errorf("command substitution with backquotes is not emulated by the lab shell")
		default:
			lx.add(c)
			lx.pos++
		}
	}
	return fmt.Errorf("unterminated double quote in command line")
}

// dollar expands $NAME, ${NAME} and $?; a lone $ stays literal.
func (lx *lexer) dollar() error {
	rest := lx.src[lx.pos+1:]
	switch {
	case len(rest) > 0 && rest[0] == '(':
		return fmt.Errorf("command substitution $(...) is not emulated by the lab shell")
	case len(rest) > 0 && rest[0] == '{':
		end := lx.find('}', lx.pos+2)
		if end < 0 {
			return fmt.Errorf("unterminated ${ in command line")
		}
		lx.word.WriteString(lx.env(string(lx.src[lx.pos+2 : end])))
		lx.inWord = true
		lx.pos = end + 1
		return nil
	}
	n := 0
	for n < len(rest) && isNameRune(rest[n], n) {
		n++
	}
	if n == 0 {
		lx.add('$')
		lx.pos++
		return nil
	}
	lx.word.WriteString(lx.env(string(rest[:n])))
	lx.inWord = true
	lx.pos += 1 + n
	return nil
}

func isNameRune(r rune, i int) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
}

// operator reads ;, &&, ||, |, and the redirections, folding a preceding
// file descriptor number ("2>") into the operator.
func (lx *lexer) operator() error {
	c := lx.src[lx.pos]
	two := ""
	if lx.pos+1 < len(lx.src) {
		two = string(lx.src[lx.pos : lx.pos+2])
	}
	switch {
	case two == "&&" || two == "||":
		lx.endWord()
		lx.emitOp(two)
		lx.pos += 2
	case c == ';' || c == '|':
		lx.endWord()
		lx.emitOp(string(c))
		lx.pos++
	case c == '&' && two != "&>":
		return fmt.Errorf("background jobs (&) are not emulated by the lab shell")
	default:
		lx.redirection()
	}
	return nil
}

func (lx *lexer) redirection() {
	fd := ""
	if w := lx.word.String(); lx.inWord && w != "" && strings.Trim(w, "0123456789") == "" {
		fd = w
		lx.word.Reset()
		lx.inWord = false
	}
	lx.endWord()
	op := fd
	for lx.pos < len(lx.src) && strings.ContainsRune("<>&", lx.src[lx.pos]) {
		op += string(lx.src[lx.pos])
		lx.pos++
	}
	for strings.HasSuffix(op, "&") && lx.pos < len(lx.src) && lx.src[lx.pos] >= '0' && lx.src[lx.pos] <= '9' {
		op += string(lx.src[lx.pos])
		lx.pos++
	}
	lx.emitOp(op)
}

func (lx *lexer) find(r rune, from int) int {
	for i := from; i < len(lx.src); i++ {
		if lx.src[i] == r {
			return i
		}
	}
	return -1
}
