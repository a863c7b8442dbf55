// Package playbooks is patchbay's patch automation: the playbook format
// (book), the step actions (actions), planning (plan) and the runner
// (runner), with the built-in playbooks embedded in the binary (builtin).
//
// This package lists the playbooks available to a command: the built-in
// ones and the users' own from folders.
package playbooks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/builtin"
)

// BuiltinSource is the Source of the playbooks embedded in the binary.
const BuiltinSource = "builtin"

// Catalog returns the built-in playbooks and those in dirs, sorted by
// name. A folder that does not exist is skipped. Two playbooks of one name
// are an error naming both files, so a user playbook cannot hide a
// built-in one. Every problem of every file is returned together.
func Catalog(dirs ...string) ([]*book.Playbook, error) {
	var all []*book.Playbook
	var errs []error
	loadFS(builtin.FS, ".", BuiltinSource, &all, &errs)
	for _, dir := range dirs {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		loadFS(os.DirFS(dir), ".", dir, &all, &errs)
	}
	errs = append(errs, duplicates(all)...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, errors.Join(errs...)
}

func loadFS(fsys fs.FS, dir, label string, all *[]*book.Playbook, errs *[]error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("read playbook folder %s: %w", label, err))
		return
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			*errs = append(*errs, fmt.Errorf("read playbook: %w", err))
			continue
		}
		source := e.Name()
		if label != BuiltinSource {
			source = filepath.Join(label, e.Name())
		}
		pb, err := book.Load(source, data, actions.Resolve)
		if err != nil {
			*errs = append(*errs, err)
			continue
		}
		if label == BuiltinSource {
			pb.Source = BuiltinSource
		}
		*all = append(*all, pb)
	}
}

func duplicates(all []*book.Playbook) []error {
	seen := map[string]*book.Playbook{}
	var errs []error
	for _, pb := range all {
		if first, ok := seen[pb.Name]; ok {
			errs = append(errs, fmt.Errorf("playbook %q is defined twice, in %s and in %s; rename one", pb.Name, first.Source, pb.Source))
			continue
		}
		seen[pb.Name] = pb
	}
	return errs
}

// Find returns the playbook called name from list, or an error that lists
// the available names.
func Find(list []*book.Playbook, name string) (*book.Playbook, error) {
	names := make([]string, 0, len(list))
	for _, pb := range list {
		if pb.Name == name {
			return pb, nil
		}
		names = append(names, pb.Name)
	}
	return nil, fmt.Errorf("no playbook called %q; available: %s (see patchbay playbooks)", name, strings.Join(names, ", "))
}
