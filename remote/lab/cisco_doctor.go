package lab

import (
	"context"
	"strconv"
)

// show privilege is added for the preflight of 'patchbay doctor'.
func init() {
	ciscoExecCommands = append(ciscoExecCommands, ciscoCommand{keywords: []string{"show", "privilege"}, run: (*ciscoCLI).showPrivilege})
}

// showPrivilege prints the login's privilege level, FactPrivilege or 15.
func (c *ciscoCLI) showPrivilege(context.Context, []string) error {
	level := 15
	if v, err := strconv.Atoi(c.host.Snapshot().Facts[FactPrivilege]); err == nil {
		level = v
	}
	c.term.write("Current privilege level is " + strconv.Itoa(level) + "\r\n")
	return nil
}
