package kev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StoreFile is the path of the current catalogue file, relative to the
// state directory.
const StoreFile = "kev/catalogue.json"

// ErrNoCatalogue is returned by Load when no catalogue was imported yet.
var ErrNoCatalogue = errors.New("no KEV catalogue imported")

// Save writes c as the current catalogue under the state directory. It
// writes a temporary file, syncs it and renames it over the old one, so a
// crash leaves either the old or the new catalogue and never a mix.
func Save(stateDir string, c *Catalog) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode KEV catalogue: %w", err)
	}
	return writeFileAtomic(filepath.Join(stateDir, StoreFile), data)
}

// Load reads the current catalogue from the state directory.
func Load(stateDir string) (*Catalog, error) {
	path := filepath.Join(stateDir, StoreFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: import one with patchbay kev import FILE", ErrNoCatalogue, stateDir)
	}
	if err != nil {
		return nil, fmt.Errorf("read KEV catalogue: %w", err)
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read KEV catalogue %s: %w: import the catalogue again", path, err)
	}
	return &c, nil
}

// writeFileAtomic replaces path with data through a synced temporary file
// in the same folder, with mode 0600.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename

	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
