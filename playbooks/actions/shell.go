package actions

import (
	"context"
	"fmt"
	"strconv"

	"patchbay/playbooks/book"
	"patchbay/remote"
)

// shellAction runs a command line in the host's shell: a POSIX shell over
// SSH, cmd.exe over WinRM. The step declares whether it changes the host.
type shellAction struct{ spec }

func init() {
	Register(shellAction{spec{effect: book.Declared, check: checkCommandParams("command")}})
}

func (shellAction) Name() string { return "shell" }

func (shellAction) Run(ctx context.Context, x *Exec, p book.Params) error {
	return runChecked(ctx, x, x.command(p.String("command", "")), p)
}

// checkCommandParams checks the parameters of an action that runs the
// text parameter key: key is required, ok_exit lists accepted statuses.
func checkCommandParams(key string) func(book.Params) []book.ParamProblem {
	return func(p book.Params) []book.ParamProblem {
		probs := p.CheckKnown(key, "ok_exit")
		probs = append(probs, p.CheckRequired(key)...)
		for _, code := range p.List("ok_exit") {
			if _, err := strconv.Atoi(code); err != nil {
				probs = append(probs, book.ParamProblem{Name: "ok_exit", Message: fmt.Sprintf("ok_exit entry %q is not a whole number", code)})
			}
		}
		return probs
	}
}

// runChecked streams cmd and fails unless its exit status is 0 or listed
// in the ok_exit parameter.
func runChecked(ctx context.Context, x *Exec, cmd remote.Command, p book.Params) error {
	_, code, err := x.Stream(ctx, cmd)
	if err != nil {
		return err
	}
	if code == 0 {
		return nil
	}
	for _, ok := range p.List("ok_exit") {
		if ok == strconv.Itoa(code) {
			return nil
		}
	}
	return fmt.Errorf("%q: %w", truncate(cmd.String(), 60), &remote.ExitError{Code: code})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
