package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentialFileRelativeToInventory(t *testing.T) {
	dir := t.TempDir()
	src := "credentials:\n" +
		"  - {name: relative, file: secrets/winrm}\n" +
		"  - {name: absolute, file: /etc/patchbay/winrm}\n" +
		"  - {name: home, file: ~/.config/patchbay/winrm}\n"
	path := filepath.Join(dir, "sites", "inv.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}

	inv, err := Load(path, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"relative": filepath.Join(dir, "sites", "secrets", "winrm"),
		"absolute": "/etc/patchbay/winrm",
		"home":     "~/.config/patchbay/winrm",
	}
	for name, wantPath := range want {
		c := inv.Credential(name)
		if c == nil {
			t.Errorf("credential %s missing", name)
			continue
		}
		if c.Ref.Path != wantPath {
			t.Errorf("credential %s: path %q, want %q", name, c.Ref.Path, wantPath)
		}
	}
}

func TestCredentialEnvValueNotEchoed(t *testing.T) {
	secret := "hunter2-Xq9!pasted"
	_, problems := parseOne(t, "credentials:\n  - {name: c, env: \""+secret+"\"}\n")
	if len(problems) != 1 {
		t.Fatalf("problems = %q, want one", problems)
	}
	if strings.Contains(problems[0], secret) {
		t.Errorf("problem %q echoes the env value", problems[0])
	}
	if !strings.Contains(problems[0], "credential c: env:") {
		t.Errorf("problem %q does not name the credential and key", problems[0])
	}
}
