package state

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"patchbay/state/event"
)

// TestAppendFromTwoStoresKeepsChain appends through two Stores on the same
// file, as two patchbay processes would, and checks the chain.
func TestAppendFromTwoStoresKeepsChain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	var stores []*Store
	for range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	if stores[0].ID() != stores[1].ID() {
		t.Fatalf("two opens of one journal got ids %s and %s", stores[0].ID(), stores[1].ID())
	}

	var wg sync.WaitGroup
	for i, s := range stores {
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 20 {
					run := fmt.Sprintf("store%d-g%d-%d", i, g, n)
					if _, err := s.Append(context.Background(), sampleEvents(run, 5)...); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()

	v, err := stores[0].Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil {
		t.Fatalf("chain broken by concurrent appends: %v", v.Break)
	}
	if want := int64(2 * 3 * 20 * 5); v.Records != want {
		t.Errorf("%d records, want %d", v.Records, want)
	}
}

func FuzzImport(f *testing.F) {
	src, err := Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Append(context.Background(), sampleEvents("r1", 3)...); err != nil {
		f.Fatal(err)
	}
	var export bytes.Buffer
	if _, err := src.Export(context.Background(), &export); err != nil {
		f.Fatal(err)
	}
	f.Add(export.Bytes())
	f.Add([]byte(`{"format":"patchbay-journal","version":1,"head":"0:` + GenesisHash + `"}`))

	dst, err := Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer dst.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := dst.Import(context.Background(), bytes.NewReader(data)); err != nil {
			return
		}
		v, err := dst.Verify(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.Break != nil {
			t.Fatalf("import of %q broke the chain: %v", data, v.Break)
		}
		for _, r := range mustRecords(t, dst) {
			if !event.KnownKind(r.Kind) {
				continue
			}
			if _, err := r.Decode(); err != nil {
				t.Logf("imported record %d does not decode: %v", r.Seq, err)
			}
		}
	})
}

func mustRecords(t *testing.T, s *Store) []event.Record {
	t.Helper()
	recs, err := s.Records(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
