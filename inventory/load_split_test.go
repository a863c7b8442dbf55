package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// splitCases are inventories whose parts must decode as the whole does,
// including files with problems and constructs that span a cut.
var splitCases = map[string]string{
	"sites and hosts": `rings:
  - {name: test}
sites:
  - id: a
    time_zone: UTC
    windows: ["mon-fri 22:00-05:00"]
    hosts:
      - {name: a1, address: 127.0.0.1, platform: linux-apt}
  # a comment between items
  - id: b
    time_zone: UTC
    windows: ["sat 00:00-24:00"]
hosts:
  - name: b1
    site: b
    address: 127.0.0.2
    platform: windows
`,
	"problems in items": `sites:
  - id: a
    colour: red
  - id: a
    time_zone: Mars/Base
  - id: "b c"
    owner: yes
`,
	"quoted text over a cut": `sites:
  - id: a
    name: "first line
  - id: b"
  - id: c
`,
	"flow list over a cut": `sites:
  - id: a
    windows: [one,
  - two]
  - id: c
`,
	"block scalars": `sites:
  - id: a
    name: |
      one
      two
    owner: after a literal
  - id: b
    name: >
      folded
    owner: after a folded scalar
  - |
    text item
`,
	"list that is not plain": `sites:
  - id: a
 - id: b
hosts:
  - name: h
`,
	"unknown top-level key": `site:
  - id: a
  - id: b
sites:
  - id: c
`,
	"empty and null items": `sites:
  -
  - id: a
  - ~
hosts:
`,
}

// noSplitCases are inventories that splitFile must leave whole.
var noSplitCases = map[string]string{
	"anchor":            "sites:\n  - &a {id: a}\n  - *a\n",
	"two documents":     "sites:\n  - id: a\n---\nsites:\n  - id: b\n",
	"duplicate key":     "sites:\n  - id: a\nsites:\n  - id: b\n",
	"item at column 0":  "sites:\n- id: a\n- id: b\n",
	"tab":               "sites:\n  - id: a\n  - name: \"a\tb\"\n",
	"carriage return":   "sites:\r\n  - id: a\r\n  - id: b\r\n",
	"directive":         "%YAML 1.2\n---\nsites:\n  - id: a\n",
	"flow at top level": "{sites: [{id: a}, {id: b}]}\n",
}

func TestSplitMatchesWhole(t *testing.T) {
	for name, text := range splitCases {
		t.Run(name, func(t *testing.T) {
			parts := splitFile([]byte(text), 1)
			if len(parts) < 2 {
				t.Fatalf("splitFile made %d parts, want at least 2", len(parts))
			}
			checkSplitMatchesWhole(t, []byte(text))
		})
	}
}

func TestSplitExamplesMatchWhole(t *testing.T) {
	paths, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example inventories found (%v)", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) { checkSplitMatchesWhole(t, data) })
	}
}

func TestSplitLeavesWhole(t *testing.T) {
	for name, text := range noSplitCases {
		t.Run(name, func(t *testing.T) {
			if parts := splitFile([]byte(text), 1); parts != nil {
				t.Errorf("splitFile made %d parts, want none", len(parts))
			}
		})
	}
}

func TestSplitSmallFileWhole(t *testing.T) {
	text := splitCases["sites and hosts"]
	if parts := splitFile([]byte(text), len(text)); parts != nil {
		t.Errorf("splitFile cut a file under twice the part size into %d parts", len(parts))
	}
}

func TestSplitKeepsLinesAndColumns(t *testing.T) {
	text := "sites:\n  - id: a\n    time_zone: UTC\n  - id: b\n    owner: [x]\n"
	f := SourceFile{Name: "f.yaml", Data: []byte(text)}
	got := joinParts(f, decodeParts(f, splitFile(f.Data, 1)))
	want := Pos{File: "f.yaml", Line: 5, Column: 12}
	if len(got.problems) != 1 {
		t.Fatalf("got %d problems, want 1: %v", len(got.problems), got.problems)
	}
	if got.problems[0].Pos != want {
		t.Errorf("problem at %v, want %v", got.problems[0].Pos, want)
	}
}

func TestAppendFileCoversFields(t *testing.T) {
	var one, all rawFile
	v := reflect.ValueOf(&one).Elem()
	for i := range v.NumField() {
		field := v.Field(i)
		field.Set(reflect.MakeSlice(field.Type(), 1, 1))
	}
	all.appendFile(&one)
	all.appendFile(&one)
	got := reflect.ValueOf(all)
	for i := range got.NumField() {
		if n := got.Field(i).Len(); n != 2 {
			t.Errorf("after two appends %s has %d items, want 2", got.Type().Field(i).Name, n)
		}
	}
}

// FuzzSplitMatchesWhole checks that a file cut at every possible line
// decodes exactly as the whole file does.
func FuzzSplitMatchesWhole(f *testing.F) {
	for _, text := range splitCases {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		checkSplitMatchesWhole(t, data)
	})
}

// checkSplitMatchesWhole cuts data at every safe line and fails unless the
// joined parts give the raw file and problems of the whole.
func checkSplitMatchesWhole(t *testing.T, data []byte) {
	t.Helper()
	f := SourceFile{Name: "split.yaml", Data: data}
	parts := splitFile(data, 1)
	if parts == nil {
		return
	}
	got := joinParts(f, decodeParts(f, parts))
	want := decodeWhole(f)
	if !reflect.DeepEqual(got.problems, want.problems) {
		t.Errorf("problems differ:\nparts: %v\nwhole: %v", got.problems, want.problems)
	}
	if !reflect.DeepEqual(got.raw, want.raw) {
		t.Errorf("raw files differ for:\n%s", strings.TrimSpace(string(data)))
	}
}

func decodeParts(f SourceFile, parts []filePart) []partResult {
	var results []partResult
	for _, part := range parts {
		results = append(results, decodePart(f.Name, part))
	}
	return results
}

func TestHasBlockHeader(t *testing.T) {
	cases := map[string]bool{
		"    name: |\n":     true,
		"    name: >2\n":    true,
		"  - |-\n":          true,
		"    |\n":           true,
		"? >\n":             true,
		"    name: a|b\n":   false,
		"    name: 'x' >\n": false,
		"    name:|\n":      false,
		"    name: a\n":     false,
	}
	for line, want := range cases {
		if got := hasBlockHeader([]byte(line)); got != want {
			t.Errorf("hasBlockHeader(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestStartsWithKey(t *testing.T) {
	cases := map[string]bool{
		"name: a\n":   true,
		"name:\n":     true,
		"name:":       true,
		"time_zone: ": true,
		"name:a\n":    false,
		"na me: a\n":  false,
		": a\n":       false,
		"name\n":      false,
		"\"k\": v\n":  false,
	}
	for rest, want := range cases {
		if got := startsWithKey([]byte(rest)); got != want {
			t.Errorf("startsWithKey(%q) = %v, want %v", rest, got, want)
		}
	}
}
