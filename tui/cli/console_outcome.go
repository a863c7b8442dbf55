package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"patchbay/tui"
)

// reportConsoleOutcome prints, once the console has closed, the command
// that resumes each run it left unfinished. It returns an error that
// exits with ExitAborted when quitting the console aborted runs.
func reportConsoleOutcome(w io.Writer, inventoryPath, stateDir string, out tui.Outcome) error {
	base := "patchbay --inventory " + shellPath(inventoryPath) + " --state " + shellPath(stateDir)
	for _, id := range out.Unfinished {
		fmt.Fprintf(w, "run %s did not finish; finish it with:\n  %s run --resume %s\n", id, base, id)
	}
	if !out.QuitAborted {
		return nil
	}
	return withExit(ExitAborted, errors.New("quitting the console aborted the active runs; resume them with the commands above"))
}

// shellPath returns path made absolute, in single quotes when a shell
// would split or expand it.
func shellPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:=@", r)
	}
	if strings.IndexFunc(path, func(r rune) bool { return !safe(r) }) < 0 {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
