package playbooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogBuiltins(t *testing.T) {
	list, err := Catalog()
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	for _, name := range []string{"facts", "linux-apt-monthly", "linux-dnf-monthly"} {
		pb, err := Find(list, name)
		if err != nil {
			t.Errorf("Find(%q): %v", name, err)
			continue
		}
		if pb.Source != BuiltinSource {
			t.Errorf("%s source = %q, want builtin", name, pb.Source)
		}
	}
	facts, _ := Find(list, "facts")
	if facts == nil || !facts.ReadOnly() {
		t.Error("the built-in facts playbook is not read-only")
	}
}

func TestCatalogUserFolder(t *testing.T) {
	dir := t.TempDir()
	user := "name: uptime\nplatforms: [linux-apt]\nsteps:\n  - action: shell\n    params: {command: uptime}\n    changes: false\n"
	if err := os.WriteFile(filepath.Join(dir, "uptime.yaml"), []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := Catalog(dir, filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	pb, err := Find(list, "uptime")
	if err != nil {
		t.Fatal(err)
	}
	if pb.Source != filepath.Join(dir, "uptime.yaml") {
		t.Errorf("source = %q", pb.Source)
	}
}

func TestCatalogDuplicateName(t *testing.T) {
	dir := t.TempDir()
	dup := "name: facts\nplatforms: [linux-apt]\nsteps:\n  - action: facts\n"
	if err := os.WriteFile(filepath.Join(dir, "facts.yaml"), []byte(dup), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Catalog(dir)
	if err == nil || !strings.Contains(err.Error(), `playbook "facts" is defined twice, in builtin and in`) {
		t.Errorf("error = %v, want a duplicate name error", err)
	}
}

func TestFindUnknown(t *testing.T) {
	list, _ := Catalog()
	_, err := Find(list, "nope")
	if err == nil || !strings.Contains(err.Error(), "available: ") || !strings.Contains(err.Error(), " facts,") {
		t.Errorf("error = %v", err)
	}
}
