package preflight

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"patchbay/inventory"
	"patchbay/remote"
)

// privilegePattern matches Cisco's "Current privilege level is 15".
var privilegePattern = regexp.MustCompile(`privilege level is (\d+)`)

// gearChecks checks network gear: the account must reach the privileged
// level that firmware changes need.
//
// NOTE: only Cisco IOS and IOS-XE are checked. FortiOS and Ubiquiti gear
// get a skipped privilege check.
func (r *run) gearChecks(ctx context.Context, s remote.Session) {
	switch r.host.Platform {
	case inventory.PlatformCiscoIOS, inventory.PlatformCiscoIOSXE:
		r.ciscoPrivilege(ctx, s)
	default:
		r.add(Check{Name: CheckPrivilege, Status: StatusSkip, Detail: "not checked on " + string(r.host.Platform)})
	}
}

func (r *run) ciscoPrivilege(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "show privilege"})
	if err != nil {
		r.commandFailed(CheckPrivilege, err, stderr)
		return
	}
	m := privilegePattern.FindStringSubmatch(out)
	if m == nil {
		r.fail(CheckPrivilege, fmt.Sprintf("show privilege printed %q", firstLine(out)), "run show privilege on the device and check its output")
		return
	}
	level, _ := strconv.Atoi(m[1])
	if level < 15 {
		r.fail(CheckPrivilege, fmt.Sprintf("the account logs in at privilege level %d", level),
			fmt.Sprintf("give %s privilege 15 (username NAME privilege 15), because saving the configuration and reloading need it", r.host.Transport.User))
		return
	}
	r.pass(CheckPrivilege, "privilege level 15")
}
