package cli

import (
	"errors"
	"fmt"
	"strings"

	"patchbay/inventory"
	"patchbay/inventory/credential"
)

// credentialFileProblems checks every file credential of inv as the dialer
// will resolve it, without reading the secret. A file that group or others
// can read is an error. A missing file is a warning, because the file may
// exist only on the technician's laptop and not where check runs.
func (a *app) credentialFileProblems(inv *inventory.Inventory) []inventory.Problem {
	env := credential.Env{Getenv: a.getenv, Home: a.getenv("HOME")}
	var problems []inventory.Problem
	for _, c := range inv.Credentials {
		if c.Ref.Kind != credential.KindFile {
			continue
		}
		err := credential.CheckFile(c.Ref, env)
		if err == nil {
			continue
		}
		text := strings.TrimPrefix(err.Error(), credential.ErrUnresolved.Error()+": ")
		p := inventory.Problem{Pos: c.Pos, Severity: inventory.SeverityError,
			Message: fmt.Sprintf("credential %s: %s", c.Name, text)}
		if errors.Is(err, credential.ErrFileMissing) {
			p.Severity = inventory.SeverityWarning
			p.Message += ". Ignore this where the file exists only on the machine that patches the site, such as the technician's laptop"
		}
		problems = append(problems, p)
	}
	return problems
}

// addProblems adds problems to the report. An error makes it invalid.
func (r *checkReport) addProblems(problems []inventory.Problem) {
	for _, p := range problems {
		j := problemJSON{File: p.Pos.File, Line: p.Pos.Line, Column: p.Pos.Column, Message: p.Message}
		if p.Severity == inventory.SeverityWarning {
			r.Warnings = append(r.Warnings, j)
			continue
		}
		r.Errors = append(r.Errors, j)
		r.Valid = false
	}
}
