package actions

import (
	"context"

	"patchbay/playbooks/book"
	"patchbay/remote"
)

// powershellAction runs a PowerShell script on the host. The step declares
// whether it changes the host.
type powershellAction struct{ spec }

func init() {
	Register(powershellAction{spec{effect: book.Declared, check: checkCommandParams("script")}})
}

func (powershellAction) Name() string { return "powershell" }

func (powershellAction) Run(ctx context.Context, x *Exec, p book.Params) error {
	cmd := remote.Command{PowerShell: p.String("script", ""), ReadOnly: !x.Changes}
	return runChecked(ctx, x, cmd, p)
}
