package cli

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/state"
)

// TestKEVImportConcurrentDiffs checks that concurrent imports journal
// diffs that chain: each record adds only CVE IDs that the previous
// records did not already add, and removes only ones they did.
func TestKEVImportConcurrentDiffs(t *testing.T) {
	dir := t.TempDir()
	files := []string{kevCatalogueFile, kevCatalogueFile, kevCSVFile, kevCatalogueFile}
	var wg sync.WaitGroup
	codes := make([]int, len(files))
	for i, file := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, _ = runKEV(t, dir, "", "kev", "import", "--allow-older", file)
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != ExitOK {
			t.Errorf("import %d of %s: exit %d, want 0", i, files[i], code)
		}
	}

	recs := catalogueRecords(t, dir)
	if len(recs) != len(files) {
		t.Fatalf("%d catalogue records, want %d", len(recs), len(files))
	}
	current := map[string]bool{}
	for i, r := range recs {
		for _, cve := range r.Added {
			if current[cve] {
				t.Errorf("record %d (%s) adds %s, which the catalogue already contained", i, r.Version, cve)
			}
			current[cve] = true
		}
		for _, cve := range r.Removed {
			if !current[cve] {
				t.Errorf("record %d (%s) removes %s, which the catalogue did not contain", i, r.Version, cve)
			}
			delete(current, cve)
		}
		if len(current) != r.Count {
			t.Errorf("record %d (%s): %d entries after its diff, want its count %d", i, r.Version, len(current), r.Count)
		}
	}
}

func TestKEVImportLockTimeout(t *testing.T) {
	dir := t.TempDir()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unlock, err := s.Lock(context.Background(), kevImportLock, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	saved := kevImportLockWait
	kevImportLockWait = 200 * time.Millisecond
	defer func() { kevImportLockWait = saved }()
	code, _, stderr := runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	if code != ExitPolicy {
		t.Errorf("exit %d, want %d", code, ExitPolicy)
	}
	if !strings.Contains(stderr, "another kev import") {
		t.Errorf("stderr = %q, want the other import named", stderr)
	}
	if recs := catalogueRecords(t, dir); len(recs) != 0 {
		t.Errorf("%d catalogue records journaled without the lock, want 0", len(recs))
	}
}
