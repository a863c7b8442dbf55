package actions

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"patchbay/playbooks/book"
	"patchbay/remote"
)

// scriptAction copies a local file to the host and runs it. Copying a file
// changes the host, so the action always counts as changing.
type scriptAction struct{ spec }

func init() {
	Register(scriptAction{spec{effect: book.Writes, check: checkScriptParams}})
}

func (scriptAction) Name() string { return "script" }

func checkScriptParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("file", "dest", "interpreter", "args", "ok_exit")
	return append(probs, p.CheckRequired("file")...)
}

func (scriptAction) Run(ctx context.Context, x *Exec, p book.Params) error {
	src := p.String("file", "")
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open script: %w; the file parameter is read on this machine, relative to the working folder", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open script: %w", err)
	}
	dest := p.String("dest", defaultScriptPath(x, filepath.Base(src)))
	if err := x.Session.CopyFile(ctx, f, info.Size(), dest, 0o700); err != nil {
		return fmt.Errorf("copy script to %s: %w", dest, err)
	}
	line := strings.TrimSpace(strings.Join(append([]string{p.String("interpreter", ""), dest}, p.List("args")...), " "))
	if x.Host.Platform.IsWindows() && p.String("interpreter", "") == "" {
		return runChecked(ctx, x, remote.Command{PowerShell: "& '" + dest + "' " + strings.Join(p.List("args"), " "), ReadOnly: false}, p)
	}
	return runChecked(ctx, x, remote.Command{Line: line}, p)
}

// defaultScriptPath returns the remote path of a script when the step
// names no dest.
func defaultScriptPath(x *Exec, base string) string {
	if x.Host.Platform.IsWindows() {
		return `C:\Windows\Temp\patchbay-` + base
	}
	return path.Join("/tmp", "patchbay-"+base)
}
