package netcli

import (
	"regexp"
	"strings"
)

// Platform selects the prompt shape and the commands that turn paging off.
type Platform int

// Supported platforms.
const (
	// IOS covers Cisco IOS and IOS-XE: "sw1>", "sw1#", "sw1(config)#".
	IOS Platform = iota
	// FortiOS prompts look like "FGT60F # " or "FGT60F (console) # ".
	FortiOS
	// EdgeOS prompts look like "admin@er6p:~$ ".
	EdgeOS
)

// pagingCommands turn paging off for the rest of the session.
var pagingCommands = map[Platform][]string{
	IOS:     {"terminal length 0"},
	FortiOS: {"config system console", "set output standard", "end"},
	// NOTE: EdgeOS pages through less, which this package does not drive;
	// run commands that page with "| no-more".
	EdgeOS: nil,
}

// genericPrompts find the first prompt, before the host name is known.
var genericPrompts = map[Platform]*regexp.Regexp{
	IOS:     regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._/-]*)(\([a-z0-9-]+\))?[>#] ?$`),
	FortiOS: regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)( \([A-Za-z0-9_-]+\))? [#$] ?$`),
	EdgeOS:  regexp.MustCompile(`^([A-Za-z0-9._-]+@[A-Za-z0-9._-]+):[^\s]*[$#] ?$`),
}

// hostPrompt returns the prompt pattern for a known host name, which is
// stricter than the generic one and so less likely to match output.
func hostPrompt(platform Platform, host string) *regexp.Regexp {
	quoted := regexp.QuoteMeta(host)
	switch platform {
	case FortiOS:
		return regexp.MustCompile(`^` + quoted + `( \([A-Za-z0-9_-]+\))? [#$] ?$`)
	case EdgeOS:
		return regexp.MustCompile(`^` + quoted + `:[^\s]*[$#] ?$`)
	}
	return regexp.MustCompile(`^` + quoted + `(\([a-z0-9-]+\))?[>#] ?$`)
}

// confirmationPrompt matches the end of a line that waits for an answer:
// "[confirm]", "[yes/no]:", "[y/n]", "(y/n)", "Destination filename
// [startup-config]?" and password prompts.
var confirmationPrompt = regexp.MustCompile(`(?i)(\[confirm\]|\[yes/no\]:?|\[y/n\]|\(y/n\)\??|\]\?|password:|\? *\[[^\]]*\]:?) *$`)

// moreMarker matches the pager prompt of IOS (" --More-- ") and FortiOS
// ("--More--").
var moreMarker = regexp.MustCompile(`--More--`)

// moreResidue removes pager prompts that the device did not erase.
var moreResidue = regexp.MustCompile(` ?--More-- ?`)

// lastLine returns the text after the last newline, from offset on.
func lastLine(text []byte, offset int) string {
	start := strings.LastIndexByte(string(text), '\n') + 1
	if start < offset {
		start = offset
	}
	if start > len(text) {
		return ""
	}
	return string(text[start:])
}
