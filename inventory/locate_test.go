package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocateOrder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	config := filepath.Join(dir, "config")
	configInventory := filepath.Join(config, "patchbay", "inventory")
	envFile := filepath.Join(dir, "env.yaml")
	for _, path := range []string{configInventory, envFile} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"XDG_CONFIG_HOME": config}
	getenv := func(k string) string { return vars[k] }

	check := func(flag, want string) {
		t.Helper()
		got, err := Locate(flag, getenv)
		if err != nil || got != want {
			t.Errorf("Locate(%q) = %q, %v; want %q", flag, got, err, want)
		}
	}
	check("", configInventory)
	if err := os.WriteFile("patchbay.yaml", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	check("", "patchbay.yaml")
	vars["PATCHBAY_INVENTORY"] = envFile
	check("", envFile)
	check(envFile, envFile)
}

func TestLocateNoneFound(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	getenv := func(k string) string { return map[string]string{"XDG_CONFIG_HOME": dir}[k] }
	_, err := Locate("", getenv)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	for _, part := range []string{"--inventory", "$PATCHBAY_INVENTORY", "./patchbay.yaml", filepath.Join(dir, "patchbay", "inventory"), "patchbay lab", "example"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %s", err, part)
		}
	}
	_, err = Locate(filepath.Join(dir, "missing.yaml"), getenv)
	if err == nil || !strings.Contains(err.Error(), "--inventory names") {
		t.Errorf("missing --inventory path error = %v", err)
	}
}

func TestLocateSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	_, err := Locate(a, func(string) string { return "" })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		t.Errorf("error = %v, want the real cause, not a missing file", err)
	}
	if err != nil && !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("error = %v, want the symbolic link loop named", err)
	}
}

func TestSelect(t *testing.T) {
	inv := loadExamples(t)
	names := func(s Selector) []string {
		t.Helper()
		hosts, err := inv.Select(s)
		if err != nil {
			t.Fatalf("Select(%+v): %v", s, err)
		}
		var out []string
		for _, h := range hosts {
			out = append(out, h.Name)
		}
		return out
	}
	if got := names(Selector{Sites: []string{"ent"}, Rings: []string{"test"}}); strings.Join(got, ",") != "ent-ehr-01,ent-fd-01,ent-mac-01" {
		t.Errorf("ent test ring = %v", got)
	}
	if got := names(Selector{Hosts: []string{"img-read-*"}}); strings.Join(got, ",") != "img-read-01,img-read-02" {
		t.Errorf("img-read-* = %v", got)
	}
	if got := names(Selector{Tags: []string{"modality-console"}}); strings.Join(got, ",") != "img-ct-console" {
		t.Errorf("tag modality-console = %v", got)
	}
	if got := len(names(Selector{})); got != len(inv.Hosts) {
		t.Errorf("empty selector picked %d hosts, want all %d", got, len(inv.Hosts))
	}
	_, err := inv.Select(Selector{Sites: []string{"ortho"}, Hosts: []string{"[ent"}})
	want := `invalid host selection: unknown site "ortho", malformed host pattern "[ent"; see 'patchbay status' for the sites, rings and tags`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}
