package linuxpkg

import (
	"errors"
	"fmt"
	"strings"

	"patchbay/playbooks/parse"
)

// Exit statuses of `dnf check-update` and `yum check-update`.
const (
	CheckUpdateNone      = 0   // no updates
	CheckUpdateAvailable = 100 // updates available; not a failure
)

// ErrCheckUpdateFailed reports a check-update exit status other than 0 or
// 100, such as 1 when a repository could not be reached.
var ErrCheckUpdateFailed = errors.New("check-update failed")

// RPMUpdate is one available update from check-update.
type RPMUpdate struct {
	Name    string
	Arch    string
	Version string // [epoch:]version-release, as printed
	Repo    string
}

// Obsoletion is one row of the "Obsoleting Packages" section: Package
// replaces each installed package in Replaces.
type Obsoletion struct {
	Package  RPMUpdate
	Replaces []RPMUpdate // Repo is the installed repository, such as "@anaconda"
}

// CheckUpdate is the parsed result of check-update.
type CheckUpdate struct {
	Available   bool // exit status 100
	Updates     []RPMUpdate
	Obsoletions []Obsoletion
}

// ParseCheckUpdate parses the stdout of `dnf check-update`, `yum
// check-update` or dnf5 `check-update` together with its exit status.
// Status 100 means updates are available and 0 means none; any other
// status returns ErrCheckUpdateFailed. Metadata chatter ("Last metadata
// expiration check", "Loaded plugins", dnf5's "Updating and loading
// repositories:") is skipped, and a row that yum wrapped after a long
// package name is joined with its continuation.
func ParseCheckUpdate(output string, exitStatus int) (CheckUpdate, error) {
	var result CheckUpdate
	switch exitStatus {
	case CheckUpdateNone:
	case CheckUpdateAvailable:
		result.Available = true
	default:
		return result, fmt.Errorf("%w: exit status %d, expected 0 or 100", ErrCheckUpdateFailed, exitStatus)
	}
	obsoleting := false
	for _, row := range joinWrappedRows(parse.Lines(output)) {
		if strings.HasPrefix(row, "Obsoleting") {
			obsoleting = true
			continue
		}
		indented := strings.HasPrefix(row, " ") || strings.HasPrefix(row, "\t")
		update, ok := parseRPMRow(row)
		if !ok {
			continue
		}
		result.addRow(update, obsoleting, indented)
	}
	if result.Available && len(result.Updates) == 0 && len(result.Obsoletions) == 0 {
		return result, fmt.Errorf("check-update exited 100 but listed no package rows")
	}
	return result, nil
}

func (r *CheckUpdate) addRow(update RPMUpdate, obsoleting, indented bool) {
	switch {
	case obsoleting && indented && len(r.Obsoletions) > 0:
		last := &r.Obsoletions[len(r.Obsoletions)-1]
		last.Replaces = append(last.Replaces, update)
	case obsoleting:
		r.Obsoletions = append(r.Obsoletions, Obsoletion{Package: update})
	default:
		r.Updates = append(r.Updates, update)
	}
}

// joinWrappedRows joins a line that holds only "name.arch" with the next
// line, which yum prints when the name is wider than its column.
func joinWrappedRows(lines []string) []string {
	var rows []string
	for i := 0; i < len(lines); i++ {
		row := lines[i]
		fields := strings.Fields(row)
		if len(fields) == 1 && strings.Contains(fields[0], ".") && i+1 < len(lines) {
			next := strings.Fields(lines[i+1])
			if len(next) == 2 {
				row = row + " " + strings.Join(next, " ")
				i++
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// parseRPMRow reads "name.arch version repo"; other lines report false.
func parseRPMRow(row string) (RPMUpdate, bool) {
	fields := strings.Fields(row)
	if len(fields) != 3 || !startsWithDigit(fields[1]) {
		return RPMUpdate{}, false
	}
	dot := strings.LastIndexByte(fields[0], '.')
	if dot <= 0 || dot == len(fields[0])-1 {
		return RPMUpdate{}, false
	}
	return RPMUpdate{
		Name: fields[0][:dot], Arch: fields[0][dot+1:], Version: fields[1], Repo: fields[2],
	}, true
}

func startsWithDigit(text string) bool {
	return text != "" && text[0] >= '0' && text[0] <= '9'
}

// ErrNeedsRestartingFailed reports a needs-restarting exit status other
// than 0 or 1.
var ErrNeedsRestartingFailed = errors.New("needs-restarting failed")

// NeedsRestarting is the parsed result of `needs-restarting -r`.
type NeedsRestarting struct {
	Required bool
	// Reasons lists the updated core packages, such as "kernel" or
	// "kernel -> 3.10.0-957.1.3.el7" in the EL7 format.
	Reasons []string
}

// ParseNeedsRestarting parses the stdout of `needs-restarting -r` (dnf
// plugin or EL7 yum-utils) with its exit status: 1 means a reboot is
// required, 0 means it is not, other statuses return
// ErrNeedsRestartingFailed. A reboot also counts as required when the text
// contains "Reboot is required" despite status 0, so that a status lost
// by a wrapper script does not hide a required reboot.
func ParseNeedsRestarting(output string, exitStatus int) (NeedsRestarting, error) {
	if exitStatus != 0 && exitStatus != 1 {
		return NeedsRestarting{}, fmt.Errorf("%w: exit status %d, expected 0 or 1", ErrNeedsRestartingFailed, exitStatus)
	}
	result := NeedsRestarting{Required: exitStatus == 1}
	inList := false
	for _, line := range parse.Lines(output) {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "Core libraries or services have been updated"):
			inList = true
		case strings.HasPrefix(trimmed, "Reboot is required"):
			result.Required = true
			inList = false
		case trimmed == "":
			inList = false
		case inList:
			result.Reasons = append(result.Reasons, strings.TrimPrefix(trimmed, "* "))
		}
	}
	return result, nil
}
