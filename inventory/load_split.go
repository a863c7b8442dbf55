package inventory

import (
	"bytes"
	"reflect"
	"regexp"
	"runtime"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// splitPartBytes is the size from which a file is cut into parts that are
// parsed in parallel. Smaller parts also keep less of the parser's syntax
// tree alive at a time, which shortens garbage collection.
var splitPartBytes = 64 << 10

// filePart is a piece of an inventory file that parses on its own.
type filePart struct {
	data []byte
	// lineOffset is added to the part's line numbers to give the file's.
	lineOffset int
}

// topKeyPattern matches a line that starts a top-level key, with or
// without a value after the colon.
var topKeyPattern = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*):(?:[ \n]|$)`)

// splitFile cuts data into parts at lines where no YAML construct can be
// open: at a top-level key, or at a new item of a top-level list such as
// sites or hosts. Each part starts at such a line, and a part that starts
// at a list item is preceded by its key. Columns stay those of the file.
// It returns nil for a small file, and for a file whose parts could mean
// something else than the whole. Such a file has anchors, aliases or
// tags, several documents or directives, a top-level line that is not a
// key, a duplicate top-level key, tabs or CR line ends.
//
// A cut inside a quoted string or a flow collection that spans lines
// leaves that construct unclosed in the part before, which the parser
// rejects, so the caller then parses the whole file.
func splitFile(data []byte, partBytes int) []filePart {
	if len(data) < 2*partBytes || len(data) > maxFileBytes || bytes.ContainsAny(data, "&*!\t\r") {
		return nil
	}
	lines := splitLines(data)
	cuts, ok := safeCuts(lines)
	if !ok {
		return nil
	}
	var parts []filePart
	start, size := 0, 0
	for i, line := range lines {
		if _, isCut := cuts[i]; isCut && size >= partBytes {
			parts = append(parts, newPart(lines, start, i, cuts[start]))
			start, size = i, 0
		}
		size += len(line)
	}
	if len(parts) == 0 {
		return nil
	}
	return append(parts, newPart(lines, start, len(lines), cuts[start]))
}

// newPart joins lines[from:to]. key is "" when the part starts at a
// top-level key and the list's key when it starts at a list item.
func newPart(lines [][]byte, from, to int, key string) filePart {
	var data []byte
	offset := from
	if key != "" {
		data = append(data, key+":\n"...)
		offset--
	}
	for _, line := range lines[from:to] {
		data = append(data, line...)
	}
	return filePart{data: data, lineOffset: offset}
}

// splitLines cuts data after every line feed, keeping the line feeds.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n') + 1
		if end == 0 {
			end = len(data)
		}
		lines = append(lines, data[:end])
		data = data[end:]
	}
	return lines
}

// safeCuts returns the indexes of the lines before which a file may be
// cut, mapped to "" for a top-level key and to the list's key for an item
// of a top-level list. It reports false when the file cannot be cut.
func safeCuts(lines [][]byte) (map[int]string, bool) {
	cuts := map[int]string{0: ""}
	keys := map[string]bool{}
	listKey, itemIndent := "", -1
	shape := lineShape{itemKeyColumn: -1}
	for i, line := range lines {
		indent, content := lineIndent(line)
		if !content {
			continue
		}
		afterValue := shape.closed
		shape.next(line, indent)
		if indent == 0 {
			key, ok := topKey(line)
			if !ok || keys[key] {
				return nil, false
			}
			keys[key] = true
			if afterValue {
				cuts[i] = ""
			}
			listKey, itemIndent = listKeyOf(line, key), -1
			continue
		}
		if len(keys) == 0 {
			return nil, false // the top level is not a mapping
		}
		if listKey == "" {
			continue
		}
		if itemIndent < 0 {
			itemIndent = indent
		}
		switch {
		case indent == itemIndent && isItemStart(line[indent:]):
			if afterValue {
				cuts[i] = listKey
			}
		case indent <= itemIndent:
			listKey = "" // not a plain list of items: cut only at the next key
		}
	}
	return cuts, true
}

// lineShape follows the content lines of a file to tell the lines that
// start an entry from those that may continue the value of the line
// before. A value cut off from its continuation could move, because
// goccy/go-yaml v1.19.2 places a plain scalar that spans lines at the end
// of its input on the last line.
type lineShape struct {
	entryIndent int  // indentation of the last entry line
	opens       bool // the last content line is a key or "-" without a value
	// itemKeyColumn is the indentation of the key after "- " on the last
	// entry line, or -1.
	itemKeyColumn int
	// closed is true when the last content line is an entry that ends
	// with a written value, so that a part may end after it.
	closed bool
}

// next reads one content line. YAML indents the continuation of a value
// deeper than the mapping or list that holds the value. So a line counts
// as an entry only below a key or "-" without a value, as the next key of
// a mapping started on an item line, or when it is not deeper than the
// last entry.
func (s *lineShape) next(line []byte, indent int) {
	rest := line[indent:]
	entry := startsEntry(rest) &&
		(s.opens || indent == s.itemKeyColumn || indent <= s.entryIndent)
	trimmed := bytes.TrimRight(rest, "\n ")
	s.opens = entry && (trimmed[len(trimmed)-1] == ':' || string(trimmed) == "-")
	s.closed = entry && endsValue(line)
	if !entry {
		return
	}
	s.entryIndent, s.itemKeyColumn = indent, -1
	if isItemStart(rest) {
		afterDash := bytes.TrimLeft(rest[1:], " ")
		if startsWithKey(afterDash) {
			s.itemKeyColumn = len(line) - len(afterDash)
		}
	}
}

// startsWithKey reports whether rest starts with a plain key of letters,
// digits and underscores, then a colon at the end or before a space.
func startsWithKey(rest []byte) bool {
	i := 0
	for i < len(rest) && (isAlphanumeric(rest[i]) || rest[i] == '_') {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ':' {
		return false
	}
	return i+1 == len(rest) || rest[i+1] == ' ' || rest[i+1] == '\n'
}

// startsEntry reports whether rest, a line without its indentation, looks
// like the start of a list item or a mapping entry.
func startsEntry(rest []byte) bool {
	if isItemStart(rest) {
		return true
	}
	return startsWithKey(rest)
}

// endsValue reports whether line ends with a written value. A line that
// ends with a key, an empty item, a block scalar header, a tag or a
// comment may leave an empty value, whose position the parser takes from
// the next line, so a part must not end there.
func endsValue(line []byte) bool {
	line = bytes.TrimRight(line, "\n ")
	if len(line) == 0 || bytes.ContainsAny(line, "#!") {
		return false
	}
	if hasBlockHeader(line) {
		return false
	}
	last := line[len(line)-1]
	return isAlphanumeric(last) || bytes.IndexByte([]byte(`"')]}.%_/`), last) >= 0
}

// hasBlockHeader reports whether line may start a literal or folded block
// scalar: a "|" or ">" after the indentation, or after "-", ":" or "?"
// and a space. The header may end with an indentation digit.
func hasBlockHeader(line []byte) bool {
	for i, c := range line {
		if c != '|' && c != '>' {
			continue
		}
		before := bytes.TrimRight(line[:i], " ")
		if len(before) == 0 {
			return true
		}
		if len(before) < i && bytes.IndexByte([]byte("-:?"), before[len(before)-1]) >= 0 {
			return true
		}
	}
	return false
}

func isAlphanumeric(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// lineIndent returns the number of leading spaces of line and whether the
// line has content other than spaces and a comment.
func lineIndent(line []byte) (int, bool) {
	rest := bytes.TrimLeft(line, " ")
	indent := len(line) - len(rest)
	rest = bytes.TrimRight(rest, "\n ")
	return indent, len(rest) > 0 && rest[0] != '#'
}

func topKey(line []byte) (string, bool) {
	m := topKeyPattern.FindSubmatch(line)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// listKeyOf returns key when line opens a block value under a key of the
// top level, whose items may start parts, and "" otherwise.
func listKeyOf(line []byte, key string) string {
	rest := bytes.TrimSpace(line[len(key)+1:])
	if len(rest) > 0 && rest[0] != '#' {
		return ""
	}
	if _, known := structFieldsOf(reflect.TypeFor[rawFile]()).byTag[key]; !known {
		return "" // an unknown key is reported once, at its own line
	}
	return key
}

func isItemStart(rest []byte) bool {
	return len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\n')
}

// partResult is the outcome of decoding one part.
type partResult struct {
	raw      *rawFile
	problems []Problem
	nodes    int
	parsed   bool // false when the parser rejected the part
}

func decodePart(name string, part filePart) partResult {
	file, err := parser.ParseBytes(part.data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return partResult{}
	}
	problems := &problemList{}
	d := &decoder{file: name, problems: problems, anchors: map[string]ast.Node{}, lineOffset: part.lineOffset}
	raw := d.decodeDocs(file)
	return partResult{raw: raw, problems: problems.items, nodes: d.nodes, parsed: true}
}

// fileResult is the raw form of one file, nil when it could not be parsed,
// and the problems found in it.
type fileResult struct {
	raw      *rawFile
	problems []Problem
}

// decodeFiles decodes files in parallel, each file in parts where
// splitFile can cut it. The results are in the order of files.
func decodeFiles(files []SourceFile) []fileResult {
	type job struct {
		file int
		part filePart
	}
	var jobs []job
	split := make([][]filePart, len(files))
	for i, f := range files {
		split[i] = splitFile(f.Data, splitPartBytes)
		for _, part := range split[i] {
			jobs = append(jobs, job{i, part})
		}
		if split[i] == nil {
			jobs = append(jobs, job{file: i})
		}
	}
	results := make([]partResult, len(jobs))
	whole := make([]fileResult, len(files))
	runParallel(len(jobs), func(j int) {
		f := files[jobs[j].file]
		if split[jobs[j].file] == nil {
			whole[jobs[j].file] = decodeWhole(f)
			return
		}
		results[j] = decodePart(f.Name, jobs[j].part)
	})
	next := 0
	for i, f := range files {
		if split[i] == nil {
			next++
			continue
		}
		whole[i] = joinParts(f, results[next:next+len(split[i])])
		next += len(split[i])
	}
	return whole
}

func decodeWhole(f SourceFile) fileResult {
	problems := &problemList{}
	raw := decodeFile(f, problems)
	return fileResult{raw: raw, problems: problems.items}
}

// joinParts merges the parts of f in order. When the parser rejected a
// part, or the parts together exceed maxNodes, it decodes the whole file
// instead, so that the messages are those of the file as written.
func joinParts(f SourceFile, parts []partResult) fileResult {
	joined := fileResult{raw: &rawFile{}}
	nodes := 0
	for _, part := range parts {
		if !part.parsed {
			return decodeWhole(f)
		}
		nodes += part.nodes
		joined.raw.appendFile(part.raw)
		joined.problems = append(joined.problems, part.problems...)
	}
	if nodes > maxNodes {
		return decodeWhole(f)
	}
	return joined
}

// runParallel calls do for 0 to n-1 on up to GOMAXPROCS goroutines and
// returns when all calls have returned.
func runParallel(n int, do func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				do(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
