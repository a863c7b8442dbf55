package inventory

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// scalarKind is the YAML type of a scalar before conversion.
type scalarKind int

const (
	kindText scalarKind = iota
	kindNumber
	kindBool
)

// scalar is one YAML scalar kept as the user typed it, so that "0755",
// "02134" and "7.10" stay text where text is expected. Conversion to other
// types happens in the validation step, where each value's meaning is
// defined.
type scalar struct {
	Text  string
	Pos   Pos
	Set   bool // the key was present with a non-null value
	Kind  scalarKind
	Plain bool // written without quotes
}

// yaml11Bools are plain words that YAML 1.1 tools read as booleans. The
// YAML 1.2 parser used here reads them as text, so the same file would
// mean different things to different tools.
var yaml11Bools = []string{"y", "n", "yes", "no", "on", "off"}

// maxNodes bounds the nodes decoded from one file, so that aliases cannot
// multiply the work without limit.
const maxNodes = 200_000

// decoder turns a YAML syntax tree into the raw structs of raw.go,
// reporting every problem it meets instead of stopping at the first.
type decoder struct {
	file     string
	problems *problemList
	anchors  map[string]ast.Node
	nodes    int
	// lineOffset is added to the parser's line numbers, because a part of
	// a split file is parsed on its own (see splitFile).
	lineOffset int
}

// noun is implemented by raw structs to name themselves in messages.
type noun interface{ noun() string }

func (d *decoder) pos(n ast.Node) Pos {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tk.Position.Line + d.lineOffset, Column: tk.Position.Column}
}

// resolve strips tags and anchors from n and follows aliases. It returns
// nil for a null value or an unknown alias, after reporting the latter.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for n != nil {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			if v.Name != nil {
				d.anchors[v.Name.String()] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.String()
			}
			target, ok := d.anchors[name]
			if !ok {
				d.problems.errorf(d.pos(v), "alias *%s refers to no earlier anchor: define &%s before using it", name, name)
				return nil
			}
			n = target
		case *ast.NullNode:
			return nil
		default:
			return n
		}
	}
	return nil
}

// decode fills v, a pointer to a raw struct, a *scalar or a pointer to a
// slice of those, from the node n.
func (d *decoder) decode(n ast.Node, v reflect.Value, key string) {
	d.nodes++
	if d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.problems.errorf(d.pos(n), "file has more than %d values after expanding aliases: split it or use fewer aliases", maxNodes)
		}
		return
	}
	n = d.resolve(n)
	if n == nil {
		return
	}
	switch target := v.Interface().(type) {
	case *scalar:
		d.decodeScalar(n, target, key)
	default:
		switch v.Elem().Kind() {
		case reflect.Pointer:
			if v.Elem().IsNil() {
				v.Elem().Set(reflect.New(v.Elem().Type().Elem()))
			}
			d.decodeMapping(n, v.Elem(), key)
		case reflect.Slice:
			d.decodeSequence(n, v.Elem(), key)
		case reflect.Struct:
			d.decodeMapping(n, v, key)
		}
	}
}

func (d *decoder) decodeScalar(n ast.Node, s *scalar, key string) {
	s.Pos = d.pos(n)
	switch v := n.(type) {
	case *ast.StringNode:
		s.Text, s.Kind, s.Set = v.Value, kindText, true
		s.Plain = v.Token.Type == token.StringType
	case *ast.LiteralNode:
		s.Text, s.Kind, s.Set = v.Value.Value, kindText, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		s.Text, s.Kind, s.Set, s.Plain = n.GetToken().Value, kindNumber, true, true
	case *ast.BoolNode:
		s.Text, s.Kind, s.Set, s.Plain = v.Token.Value, kindBool, true, true
	default:
		d.problems.errorf(d.pos(n), "%s: expected a single value, found %s: write one value after the colon", key, describeNode(n))
	}
}

func (d *decoder) decodeSequence(n ast.Node, slice reflect.Value, key string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.problems.errorf(d.pos(n), "%s: expected a list, found %s: write the items as \"- item\" lines or [a, b]", key, describeNode(n))
		return
	}
	elemType := slice.Type().Elem()
	for _, item := range seq.Values {
		if d.resolve(item) == nil {
			d.problems.errorf(d.pos(item), "%s: empty list item: remove the \"-\" or write the item after it", key)
			continue
		}
		elem := reflect.New(elemType)
		if elemType.Kind() == reflect.Pointer {
			elem.Elem().Set(reflect.New(elemType.Elem()))
			d.decode(item, elem.Elem(), key)
		} else {
			d.decode(item, elem, key)
		}
		slice.Set(reflect.Append(slice, elem.Elem()))
	}
}

// decodeMapping fills the struct that v points to from a mapping node,
// matching keys to the fields' yaml tags. Unknown and duplicate keys are
// reported with the key's position.
func (d *decoder) decodeMapping(n ast.Node, v reflect.Value, key string) {
	pairs, ok := mappingPairs(n)
	if !ok {
		d.problems.errorf(d.pos(n), "%s: expected a mapping of keys to values, found %s", key, describeNode(n))
		return
	}
	st := v.Elem()
	if len(pairs) > 0 {
		setPos(st, d.pos(pairs[0].Key))
	} else {
		setPos(st, d.pos(n))
	}
	what := key
	if nn, ok := v.Interface().(noun); ok {
		what = nn.noun()
	}
	seen := make(map[string]Pos, len(pairs))
	for _, pair := range pairs {
		d.decodePair(pair, st, what, seen)
	}
}

func (d *decoder) decodePair(pair *ast.MappingValueNode, st reflect.Value, what string, seen map[string]Pos) {
	keyNode := d.resolve(pair.Key)
	keyPos := d.pos(pair.Key)
	if keyNode == nil {
		d.problems.errorf(keyPos, "%s: empty key: remove the line or name the key", what)
		return
	}
	name := keyText(keyNode)
	if first, dup := seen[name]; dup {
		d.problems.errorf(keyPos, "duplicate key %q in %s (first at line %d): keep one of them", name, what, first.Line)
		return
	}
	seen[name] = keyPos
	field, ok := fieldByTag(st, name)
	if !ok {
		d.problems.errorf(keyPos, "%s", unknownKeyMessage(name, what, st.Type()))
		return
	}
	d.decode(pair.Value, field.Addr(), name)
}

// mappingPairs returns the key-value pairs of a mapping node.
func mappingPairs(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func keyText(n ast.Node) string {
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return n.String()
}

func setPos(st reflect.Value, pos Pos) {
	if i := structFieldsOf(st.Type()).pos; i >= 0 {
		st.Field(i).Set(reflect.ValueOf(pos))
	}
}

func fieldByTag(st reflect.Value, name string) (reflect.Value, bool) {
	i, ok := structFieldsOf(st.Type()).byTag[name]
	if !ok {
		return reflect.Value{}, false
	}
	return st.Field(i), true
}

// structFields are the indexes of a raw struct's fields: by yaml tag, and
// of its Pos field (-1 when it has none).
type structFields struct {
	byTag map[string]int
	pos   int
}

// structFieldCache maps each raw struct type to its structFields, so that
// struct tags are read once and not for every key of every item.
var structFieldCache sync.Map

func structFieldsOf(t reflect.Type) structFields {
	if fields, ok := structFieldCache.Load(t); ok {
		return fields.(structFields)
	}
	fields := structFields{byTag: map[string]int{}, pos: -1}
	for i := range t.NumField() {
		field := t.Field(i)
		if tag := field.Tag.Get("yaml"); tag != "" && tag != "-" {
			fields.byTag[tag] = i
		}
		if field.Name == "Pos" && field.Type == reflect.TypeFor[Pos]() {
			fields.pos = i
		}
	}
	structFieldCache.Store(t, fields)
	return fields
}

func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// secretKeys are keys under which people paste passwords. The message for
// them explains credential references instead of listing valid keys.
var secretKeys = []string{"password", "passwd", "pass", "secret", "token", "api_key", "apikey", "private_key"}

// deviceForbiddenKeys are connection settings that a medical device must
// never carry.
var deviceForbiddenKeys = []string{"address", "transport", "credential", "user", "port"}

func unknownKeyMessage(name, what string, t reflect.Type) string {
	lower := strings.ToLower(name)
	if slices.Contains(secretKeys, lower) {
		return fmt.Sprintf("literal secret %q in %s: the inventory holds only references; "+
			"put the secret in an environment variable, a mode 0600 file or a password manager, "+
			"add it under credentials (env, file, agent or command) and set credential: NAME", name, what)
	}
	if t == reflect.TypeFor[rawDevice]() && (slices.Contains(deviceForbiddenKeys, lower) || slices.Contains(secretKeys, lower)) {
		return fmt.Sprintf("medical device cannot carry %q: patchbay never connects to medical devices, "+
			"their patches go through the vendor; remove the key", name)
	}
	return fmt.Sprintf("unknown key %q in %s: valid keys are %s", name, what, strings.Join(knownKeys(t), ", "))
}

func describeNode(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if tk := n.GetToken(); tk != nil {
		return fmt.Sprintf("%q", tk.Value)
	}
	return "a value"
}

// problemList collects problems in the order found.
type problemList struct {
	items []Problem
}

func (l *problemList) errorf(pos Pos, format string, args ...any) {
	l.items = append(l.items, Problem{Pos: pos, Severity: SeverityError, Message: fmt.Sprintf(format, args...)})
}

func (l *problemList) warnf(pos Pos, format string, args ...any) {
	l.items = append(l.items, Problem{Pos: pos, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)})
}

func (l *problemList) hasErrors() bool {
	for _, p := range l.items {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}
