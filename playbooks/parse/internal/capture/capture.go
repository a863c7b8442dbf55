// Package capture loads real command captures from a test's testdata
// folder. Each capture starts with one "# source:" provenance line, which
// Load strips; the bytes after it are returned exactly as captured.
package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Load returns the captured output in testdata/name without its first
// provenance line. It fails the test when the file is missing or does not
// start with "# source:".
func Load(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	return Strip(t, name, string(data))
}

// Strip removes the provenance line from a capture's content.
func Strip(t testing.TB, name, content string) string {
	t.Helper()
	if !strings.HasPrefix(content, "# source:") {
		t.Fatalf("capture %s: first line is not a \"# source:\" provenance line", name)
	}
	_, rest, _ := strings.Cut(content, "\n")
	return rest
}

// All returns every capture in testdata whose name matches pattern
// (filepath.Match syntax), keyed by file name.
func All(t testing.TB, pattern string) map[string]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		t.Fatalf("no capture matches testdata/%s", pattern)
	}
	captures := make(map[string]string, len(names))
	for _, path := range names {
		captures[filepath.Base(path)] = Load(t, filepath.Base(path))
	}
	return captures
}

// Seed adds every capture matching pattern to a fuzz corpus.
func Seed(f *testing.F, pattern string) {
	f.Helper()
	for _, output := range All(f, pattern) {
		f.Add(output)
	}
}
