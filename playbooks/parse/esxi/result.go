package esxi

import (
	"fmt"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// UpdateResult is the result block of `esxcli software profile update` or
// `esxcli software vib update`.
type UpdateResult struct {
	Message        string
	RebootRequired bool
	// RebootStated is true when a "Reboot Required:" line was printed. When
	// it is missing, RebootRequired comes from the message text.
	RebootStated  bool
	VIBsInstalled []string
	VIBsRemoved   []string
	VIBsSkipped   []string
}

// ParseUpdateResult parses an "Update Result" or "Installation Result"
// block. A message that ends the command with "[DependencyError]" or
// similar bracketed esxcli errors is returned as an error.
func ParseUpdateResult(output string) (UpdateResult, error) {
	var result UpdateResult
	header := false
	for _, line := range parse.Lines(output) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "Update Result" || trimmed == "Installation Result" {
			header = true
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.Contains(trimmed, "]") {
			return result, fmt.Errorf("esxcli software update failed: %s", trimmed)
		}
		result.readField(trimmed)
	}
	if !header {
		return result, fmt.Errorf("esxcli software update: no \"Update Result\" or \"Installation Result\" block in the output")
	}
	if !result.RebootStated {
		result.RebootRequired = strings.Contains(result.Message, "needs to be rebooted")
	}
	return result, nil
}

func (r *UpdateResult) readField(line string) {
	key, value, ok := parse.KeyValue(line, ":")
	if !ok {
		return
	}
	switch key {
	case "Message":
		r.Message = value
	case "Reboot Required":
		r.RebootStated = true
		r.RebootRequired, _ = strconv.ParseBool(value)
	case "VIBs Installed":
		r.VIBsInstalled = parse.SplitList(value, ",")
	case "VIBs Removed":
		r.VIBsRemoved = parse.SplitList(value, ",")
	case "VIBs Skipped":
		r.VIBsSkipped = parse.SplitList(value, ",")
	}
}
