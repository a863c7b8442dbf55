package credential

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckFileCases(t *testing.T) {
	dir := t.TempDir()
	private := filepath.Join(dir, "private")
	readable := filepath.Join(dir, "readable")
	for path, mode := range map[string]os.FileMode{private: 0o600, readable: 0o644} {
		if err := os.WriteFile(path, []byte(secretValue), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing")

	if err := CheckFile(Ref{Kind: KindFile, Path: private}, testEnv(nil)); err != nil {
		t.Errorf("mode 0600: %v, want no error", err)
	}

	err := CheckFile(Ref{Kind: KindFile, Path: readable}, testEnv(nil))
	if !errors.Is(err, ErrUnresolved) {
		t.Errorf("mode 0644: error %v does not wrap ErrUnresolved", err)
	}
	if errors.Is(err, ErrFileMissing) {
		t.Errorf("mode 0644: error %v wraps ErrFileMissing", err)
	}
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+readable) {
		t.Errorf("mode 0644: error %v, want the chmod fix", err)
	}

	err = CheckFile(Ref{Kind: KindFile, Path: missing}, testEnv(nil))
	if !errors.Is(err, ErrFileMissing) {
		t.Errorf("missing file: error %v does not wrap ErrFileMissing", err)
	}
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v does not name %s", err, missing)
	}

	if err := CheckFile(Ref{Kind: KindFile, Path: dir}, testEnv(nil)); err == nil {
		t.Errorf("directory: no error, want one")
	}
}
