package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Options adjust loading.
type Options struct {
	// Now is the instant against which review and re-check dates are
	// judged; the zero value means time.Now.
	Now time.Time
}

// Load reads the inventory at path, a YAML file or a folder of them, and
// validates it. In a folder, every *.yaml and *.yml file directly inside is
// read in name order; other files and sub-folders are ignored. Errors are
// returned together as a *LoadError; warnings are in Inventory.Warnings.
func Load(path string, opts Options) (*Inventory, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read inventory %s: %w", path, err)
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read inventory: %w", err)
		}
		return Parse([]SourceFile{{Name: path, Data: data}}, opts)
	}
	return LoadFS(os.DirFS(path), ".", path, opts)
}

// LoadFS reads the inventory folder dir of fsys, as Load does for a folder
// on disk. Messages name files as prefix joined with the file name.
func LoadFS(fsys fs.FS, dir, prefix string, opts Options) (*Inventory, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read inventory folder %s: %w", prefix, err)
	}
	var files []SourceFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !isYAMLName(name) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read inventory: %w", err)
		}
		files = append(files, SourceFile{Name: filepath.Join(prefix, name), Data: data})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("inventory folder %s contains no .yaml or .yml file: add one per site, or point --inventory at a file", prefix)
	}
	return Parse(files, opts)
}

func isYAMLName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// SourceFile is one inventory file's name, as used in messages, and its
// content.
type SourceFile struct {
	Name string
	Data []byte
}

// Parse decodes and validates the inventory made of files, in the order
// given.
func Parse(files []SourceFile, opts Options) (*Inventory, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	problems := &problemList{}
	var raws []*rawFile
	for _, result := range decodeFiles(files) {
		problems.items = append(problems.items, result.problems...)
		if result.raw != nil {
			raws = append(raws, result.raw)
		}
	}
	b := newBuilder(problems, opts.Now)
	inv := b.build(raws)
	for _, f := range files {
		inv.Files = append(inv.Files, f.Name)
	}
	sortProblems(problems.items, files)
	if problems.hasErrors() {
		return nil, &LoadError{Problems: problems.items}
	}
	inv.Warnings = problems.items
	return inv, nil
}

// maxFileBytes bounds the size of one inventory file before it is parsed.
// Parsing takes over 100 times the file's size in memory, measured with
// patchbay check and goccy/go-yaml v1.19.2 on files of one-line hosts:
// 375 MB for 3 MB and 6 GB for 50 MB. A file over 8 MiB of such hosts
// exceeds maxNodes anyway.
const maxFileBytes = 8 << 20

// decodeFile parses one file into its raw form, reporting tab indentation,
// syntax errors and every decoding problem. It returns nil when the file
// could not be parsed at all.
func decodeFile(f SourceFile, problems *problemList) *rawFile {
	if len(f.Data) > maxFileBytes {
		problems.errorf(Pos{File: f.Name}, "file is %d bytes, more than the limit of %d: split it into one file per site",
			len(f.Data), maxFileBytes)
		return nil
	}
	if reportTabs(f, problems) {
		return nil
	}
	file, err := parser.ParseBytes(f.Data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		problems.items = append(problems.items, syntaxProblem(f.Name, err))
		return nil
	}
	d := &decoder{file: f.Name, problems: problems, anchors: map[string]ast.Node{}}
	raw := d.decodeDocs(file)
	if d.nodes > maxNodes {
		return nil // a partial file would add an error for every value left out
	}
	return raw
}

// decodeDocs decodes every document of file into one raw file.
func (d *decoder) decodeDocs(file *ast.File) *rawFile {
	raw := &rawFile{}
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		d.decode(doc.Body, reflect.ValueOf(raw), "top level")
	}
	return raw
}

// reportTabs reports every line indented with a tab. YAML forbids tabs in
// indentation, and the parser stops at the first one, so they are found
// here all at once. It reports whether any was found.
func reportTabs(f SourceFile, problems *problemList) bool {
	found := false
	for i, line := range bytes.Split(f.Data, []byte("\n")) {
		indent := len(line) - len(bytes.TrimLeft(line, " \t"))
		if col := bytes.IndexByte(line[:indent], '\t'); col >= 0 {
			problems.errorf(Pos{File: f.Name, Line: i + 1, Column: col + 1},
				"tab in indentation: YAML indents with spaces only; replace the tab with spaces")
			found = true
		}
	}
	return found
}

// positioned is the part of goccy/go-yaml's syntax error that patchbay
// reads: the message without the source excerpt, and the token.
type positioned interface {
	GetMessage() string
	GetToken() *token.Token
}

func syntaxProblem(file string, err error) Problem {
	var pe positioned
	if errors.As(err, &pe) {
		pos := Pos{File: file}
		if tk := pe.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return Problem{Pos: pos, Message: "invalid YAML: " + pe.GetMessage()}
	}
	return Problem{Pos: Pos{File: file}, Message: "invalid YAML: " + err.Error()}
}

// sortProblems orders problems by file (in load order), line and column,
// keeping the order found for equal positions.
func sortProblems(items []Problem, files []SourceFile) {
	order := map[string]int{}
	for i, f := range files {
		order[f.Name] = i
	}
	slices.SortStableFunc(items, func(a, b Problem) int {
		if c := order[a.Pos.File] - order[b.Pos.File]; c != 0 {
			return c
		}
		if c := a.Pos.Line - b.Pos.Line; c != 0 {
			return c
		}
		return a.Pos.Column - b.Pos.Column
	})
}
