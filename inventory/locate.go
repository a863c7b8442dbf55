package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotFound is wrapped by Locate's error when no inventory exists in any
// of the places it looks.
var ErrNotFound = errors.New("no inventory found")

// Locate returns the inventory path to load. It tries, in order, flag (the
// --inventory value), the PATCHBAY_INVENTORY variable, patchbay.yaml in the
// current folder and $XDG_CONFIG_HOME/patchbay/inventory (a file or a
// folder; XDG_CONFIG_HOME defaults to ~/.config). A path given by flag or
// variable must exist; the two default places are skipped when missing.
func Locate(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return mustExist(flag, "--inventory")
	}
	if env := getenv("PATCHBAY_INVENTORY"); env != "" {
		return mustExist(env, "PATCHBAY_INVENTORY")
	}
	local := "patchbay.yaml"
	if exists(local) {
		return local, nil
	}
	config := filepath.Join(configHome(getenv), "patchbay", "inventory")
	if exists(config) {
		return config, nil
	}
	return "", fmt.Errorf("%w: tried --inventory (not given), $PATCHBAY_INVENTORY (not set), ./%s and %s; "+
		"write an inventory starting from the example in the examples folder of patchbay's source, "+
		"or run 'patchbay lab' to try patchbay against emulated hosts", ErrNotFound, local, config)
}

func mustExist(path, source string) (string, error) {
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w: %s names %s, which does not exist: check the path", ErrNotFound, source, path)
	case err != nil:
		// A symbolic link loop or a folder without search permission.
		return "", fmt.Errorf("%w: %s names %s, which cannot be read (%w): check the path and its permissions",
			ErrNotFound, source, path, errors.Unwrap(err))
	}
	return path, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func configHome(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config")
}
