package lab

import (
	"context"
	"strings"
	"time"
)

// State facts that the checks of 'patchbay doctor' read. Tests and
// trainers set them through Host.Change to show a problem. A host without
// them is healthy.
const (
	// FactClockSkew is a Go duration, such as "-7m", added to the host's
	// clock when it prints the time.
	FactClockSkew = "clock-skew"
	// FactNotAdmin, when set, makes the Windows account lack
	// administrator rights in remote logons.
	FactNotAdmin = "not-admin"
	// FactTokenFilter is the LocalAccountTokenFilterPolicy value; unset
	// means 1, as an administered host has it.
	FactTokenFilter = "token-filter"
	// FactWUStart is the start type of the Windows Update service; unset
	// means "Manual".
	FactWUStart = "wu-start"
	// FactWSUS is the WSUS server URL; unset means Microsoft Update.
	FactWSUS = "wsus"
	// FactPrivilege is the privilege level of the login on network gear;
	// unset means 15.
	FactPrivilege = "privilege"
)

// The date command is registered here, after posix.go's init fills
// posixCommands: Go runs the init functions of a package in the order of
// its file names.
func init() {
	posixCommands["date"] = runDate
}

// hostNow returns the host's time: its clock plus FactClockSkew.
func hostNow(h *Host) time.Time {
	now := h.Clock().Now()
	skew, err := time.ParseDuration(h.Snapshot().Facts[FactClockSkew])
	if err == nil {
		now = now.Add(skew)
	}
	return now
}

// runDate prints the time in date's default form, or as Unix seconds for
// +%s. -u selects UTC.
func runDate(_ context.Context, c *Call) (int, error) {
	now := hostNow(c.Host)
	format := ""
	for _, a := range c.Args[1:] {
		switch {
		case a == "-u" || a == "--utc":
			now = now.UTC()
		case strings.HasPrefix(a, "+"):
			format = a[1:]
		default:
			c.Errorf("date: invalid option -- '%s'\n", strings.TrimLeft(a, "-"))
			return 1, nil
		}
	}
	switch format {
	case "":
		c.Printf("%s\n", now.Format("Mon Jan _2 15:04:05 MST 2006"))
	case "%s":
		c.Printf("%d\n", now.Unix())
	default:
		c.Errorf("lab: date supports only +%%s, not +%s\n", format)
		return 1, nil
	}
	return 0, nil
}
