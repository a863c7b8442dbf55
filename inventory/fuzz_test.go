package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader as one inventory file. The
// loader must return an inventory or a *LoadError, and never panic. The
// seed corpus is the example inventory plus testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	examples, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range examples {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse([]SourceFile{{Name: "fuzz.yaml", Data: data}}, Options{Now: testNow})
		if (inv == nil) == (err == nil) {
			t.Fatalf("Parse returned inventory %v and error %v; want exactly one", inv != nil, err)
		}
	})
}
