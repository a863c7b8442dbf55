package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"patchbay/remote"
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
		if inv != nil {
			checkAccessInvariants(t, inv)
		}
	})
}

// checkAccessInvariants fails when policy would let a write reach a
// medical device or an excepted host.
func checkAccessInvariants(t *testing.T, inv *Inventory) {
	t.Helper()
	for _, d := range inv.Devices {
		if got := inv.Access(d.Name); got != remote.AccessNone {
			t.Errorf("medical device %s has access %v, want none", d.Name, got)
		}
	}
	for _, e := range inv.Exceptions {
		for _, h := range e.Hosts {
			if got := inv.Access(h); got != remote.AccessReadOnly {
				t.Errorf("excepted host %s has access %v, want read-only", h, got)
			}
		}
	}
}
