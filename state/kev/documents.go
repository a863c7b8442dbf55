package kev

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"patchbay/state/msrc"
)

// DocumentDir is the folder of Microsoft's security update documents, one
// file per document ID, relative to the state directory.
const DocumentDir = "kev/msrc"

// SaveDocument writes doc under the state directory, replacing an earlier
// import of the same document ID, as atomically as Save.
func SaveDocument(stateDir string, doc *msrc.Document) error {
	if doc.ID == "" || doc.ID == "." || doc.ID == ".." || strings.ContainsAny(doc.ID, `/\`) {
		return fmt.Errorf("%w: document ID %q cannot name a file", msrc.ErrInvalid, doc.ID)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode MSRC document %s: %w", doc.ID, err)
	}
	return writeFileAtomic(filepath.Join(stateDir, DocumentDir, doc.ID+".json"), data)
}

// LoadDocuments reads every imported document, sorted by ID. No documents
// is not an error: matching then reports Windows hosts as possibly exposed.
func LoadDocuments(stateDir string) ([]*msrc.Document, error) {
	names, err := filepath.Glob(filepath.Join(stateDir, DocumentDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var docs []*msrc.Document
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read MSRC document: %w", err)
		}
		var doc msrc.Document
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("read MSRC document %s: %w: import it again with patchbay kev import-msrc", name, err)
		}
		docs = append(docs, &doc)
	}
	return docs, nil
}
