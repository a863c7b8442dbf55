package kev

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"patchbay/state/msrc"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNoCatalogue) {
		t.Fatalf("Load(empty) err = %v, want ErrNoCatalogue", err)
	}
	c := readCatalog(t, "testdata/kev_excerpt_quirks.json")
	if err := Save(dir, c); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Compare(c, got)
	if len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("round trip changed entries: %+v", d)
	}
	if got.Version != c.Version || !got.Released.Equal(c.Released) {
		t.Errorf("header = %q %s, want %q %s", got.Version, got.Released, c.Version, c.Released)
	}
	info, err := os.Stat(filepath.Join(dir, StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestSaveDocumentRejectsPathID(t *testing.T) {
	doc := &msrc.Document{ID: "../x"}
	if err := SaveDocument(t.TempDir(), doc); !errors.Is(err, msrc.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid for a path in the ID", err)
	}
}

func TestDocumentsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	docs, err := LoadDocuments(dir)
	if err != nil || len(docs) != 0 {
		t.Fatalf("LoadDocuments(empty) = %d, %v, want none", len(docs), err)
	}
	doc := &msrc.Document{ID: "2024-Feb", Products: map[string]string{"1": "P"},
		Vulnerabilities: []msrc.Vulnerability{{CVE: "CVE-2024-1", Fixes: []msrc.Fix{{KB: "5034763", ProductIDs: []string{"1"}, FixedBuild: "10.0.1.2"}}}}}
	if err := SaveDocument(dir, doc); err != nil {
		t.Fatal(err)
	}
	docs, err = LoadDocuments(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].FixesFor("CVE-2024-1")[0].FixedBuild != "10.0.1.2" {
		t.Errorf("LoadDocuments = %+v, want the saved document", docs)
	}
}
