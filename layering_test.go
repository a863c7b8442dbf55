package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layerRules says which patchbay packages each layer must not import. Data
// flows one way: inventory and remote at the bottom, then state and
// playbooks, with the console and command line (tui) on top.
var layerRules = []struct {
	layer     string   // package path prefix the rule applies to
	forbidden []string // package path prefixes it must not import
}{
	{"patchbay/inventory", []string{"patchbay/state", "patchbay/playbooks", "patchbay/tui", "patchbay/remote/"}},
	{"patchbay/remote", []string{"patchbay/state", "patchbay/playbooks", "patchbay/tui"}},
	{"patchbay/state", []string{"patchbay/playbooks", "patchbay/tui"}},
	{"patchbay/playbooks", []string{"patchbay/tui"}},
}

// TestLayering fails when a package imports a layer above it.
func TestLayering(t *testing.T) {
	imports := packageImports(t, ".")
	if len(imports) < 2 {
		t.Fatalf("found %d packages; the walk of the module is broken", len(imports))
	}
	for _, v := range layerViolations(imports) {
		t.Error(v)
	}
}

// TestLayeringCatchesUpwardImport checks the checker on a made-up graph.
func TestLayeringCatchesUpwardImport(t *testing.T) {
	imports := map[string][]string{
		"patchbay/state/journal": {"patchbay/inventory", "patchbay/playbooks/runner"},
		"patchbay/inventory":     {"patchbay/remote"},
		"patchbay/tui/cli":       {"patchbay/state/journal"},
	}
	got := layerViolations(imports)
	if len(got) != 1 || !strings.Contains(got[0], "patchbay/playbooks/runner") {
		t.Errorf("violations = %q, want one naming patchbay/playbooks/runner", got)
	}
}

// layerViolations lists every import that breaks layerRules. A forbidden
// prefix ending in "/" forbids only the packages below it.
func layerViolations(imports map[string][]string) []string {
	var out []string
	for pkg, deps := range imports {
		for _, rule := range layerRules {
			if !within(pkg, rule.layer) {
				continue
			}
			for _, dep := range deps {
				for _, bad := range rule.forbidden {
					hit := within(dep, bad)
					if strings.HasSuffix(bad, "/") {
						hit = strings.HasPrefix(dep, bad)
					}
					if hit {
						out = append(out, pkg+" imports "+dep+", but "+rule.layer+" may not import "+bad)
					}
				}
			}
		}
	}
	return out
}

// within reports whether pkg is prefix or a package below it.
func within(pkg, prefix string) bool {
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

// packageImports returns, for every package of the module below root, the
// patchbay packages its non-test files import.
func packageImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	imports := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := path.Join("patchbay", filepath.ToSlash(filepath.Dir(p)))
		for _, spec := range f.Imports {
			dep, _ := strconv.Unquote(spec.Path.Value)
			if within(dep, "patchbay") {
				imports[pkg] = append(imports[pkg], dep)
			}
		}
		if _, ok := imports[pkg]; !ok {
			imports[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk module: %v", err)
	}
	return imports
}
