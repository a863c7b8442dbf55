package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/state/event"
)

func TestOpenRejectsWritableDirectory(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o770, 0o702} {
		dir := filepath.Join(t.TempDir(), "state")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir)
		if err == nil {
			s.Close()
			t.Fatalf("mode %04o: Open succeeded, want an error", mode)
		}
		if !errors.Is(err, ErrStateDir) {
			t.Errorf("mode %04o: error %v does not wrap ErrStateDir", mode, err)
		}
		for _, want := range []string{dir, fmt.Sprintf("%04o", mode), "chmod 700 " + dir} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("mode %04o: error %q does not contain %q", mode, err, want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("mode %04o: journal created in a rejected directory (stat: %v)", mode, err)
		}
	}
}

func TestOpenRejectsReadableJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, FileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}

	_, err = Open(dir)
	if !errors.Is(err, ErrStateDir) {
		t.Fatalf("Open error = %v, want one wrapping ErrStateDir", err)
	}
	for _, want := range []string{path, "0644", "chmod 600 " + path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("journal mode changed to %04o; Open must not repair it", perm)
	}
}

func TestOpenStateDirIsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(file)
	if !errors.Is(err, ErrStateDir) {
		t.Fatalf("Open error = %v, want one wrapping ErrStateDir", err)
	}
	if !strings.Contains(err.Error(), file) {
		t.Errorf("error %q does not name %s", err, file)
	}
	if !strings.Contains(err.Error(), "--state") {
		t.Errorf("error %q does not name the --state fix", err)
	}
}

func TestAppendDiskFull(t *testing.T) {
	s := openTest(t)
	// max_page_count is a setting of one connection, so the store keeps
	// only one. A journal that cannot grow fails as a full disk does.
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.Exec(`PRAGMA max_page_count = 8`); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		_, err = s.Append(context.Background(), event.Event{Time: testTime, Payload: event.Notice{
			Level: "info", Message: strings.Repeat("x", 2000)}})
	}
	if err == nil {
		t.Fatal("Append never failed on a journal limited to 8 pages")
	}
	for _, want := range []string{"is full", s.Dir(), "free space"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
