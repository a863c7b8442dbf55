package state

import (
	"errors"
	"path/filepath"
)

// ResolveDir returns the state directory: flag when set, else
// $PATCHBAY_STATE, else $XDG_STATE_HOME/patchbay, else
// $HOME/.local/state/patchbay. getenv reads the environment.
func ResolveDir(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if dir := getenv("PATCHBAY_STATE"); dir != "" {
		return dir, nil
	}
	if dir := getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "patchbay"), nil
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "patchbay"), nil
	}
	return "", errors.New("no state directory: set --state, PATCHBAY_STATE or HOME")
}
