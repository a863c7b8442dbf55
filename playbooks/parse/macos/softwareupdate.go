package macos

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// Update is one entry of `softwareupdate --list`.
type Update struct {
	Label       string // the name to pass to --install
	Title       string
	Version     string
	SizeKB      int64 // the listing's "K" and "KiB" are both KiB
	Recommended bool
	Restart     bool // installing needs a restart
	ShutDown    bool // installing needs a shut down
}

// List is the parsed result of `softwareupdate --list`.
type List struct {
	Updates []Update
	// NoUpdates is true for "No new software available.", which
	// softwareupdate writes to stderr and may pair with exit status 1, so
	// pass stdout and stderr together and do not treat that status as a
	// failure.
	NoUpdates bool
}

var (
	entryLine    = regexp.MustCompile(`^([*-]) (?:Label: )?(.+)$`)
	labelDetails = regexp.MustCompile(`^Title: (.*?), Version: (.*?), Size: (\d+)(?:KiB|K)`)
	legacyDetail = regexp.MustCompile(`^(.*?),? \(([^)]*)\), (\d+)K`)
)

// ParseList parses `softwareupdate --list` output in either format.
func ParseList(output string) List {
	var list List
	for _, line := range parse.Lines(output) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "No new software available") {
			list.NoUpdates = true
			continue
		}
		if m := entryLine.FindStringSubmatch(line); m != nil {
			list.Updates = append(list.Updates, Update{Label: m[2], Recommended: m[1] == "*"})
			continue
		}
		if len(list.Updates) > 0 {
			list.Updates[len(list.Updates)-1].readDetail(line)
		}
	}
	return list
}

func (u *Update) readDetail(line string) {
	if m := labelDetails.FindStringSubmatch(line); m != nil {
		u.Title, u.Version = m[1], m[2]
		u.SizeKB, _ = strconv.ParseInt(m[3], 10, 64)
		u.Recommended = u.Recommended && strings.Contains(line, "Recommended: YES")
		u.Restart = strings.Contains(line, "Action: restart")
		u.ShutDown = strings.Contains(line, "Action: shut down")
		return
	}
	if m := legacyDetail.FindStringSubmatch(line); m != nil {
		u.Title, u.Version = m[1], m[2]
		u.SizeKB, _ = strconv.ParseInt(m[3], 10, 64)
		u.Restart = strings.Contains(line, "[restart]")
		u.ShutDown = strings.Contains(line, "[shut down]")
	}
}

// ErrNeedsOwnerCredentials reports that softwareupdate on Apple silicon
// rejected the install without a volume owner's credentials. It asks for
// them in a GUI prompt, which cannot be answered over SSH, so install such
// updates through MDM or with the owner present.
var ErrNeedsOwnerCredentials = errors.New("needs owner credentials")

// ownerCredentialSigns are messages that softwareupdate on Apple silicon
// prints without a volume owner's credentials: the rejection of a sudo
// run, and the log line after it rejected saved credentials. Both are
// quoted in public issue threads (github.com/WaveBirdDash/install-or-defer
// issue 45 and github.com/Macjutsu/super issue 219).
var ownerCredentialSigns = []string{
	"should not be run with sudo",
	"Failed to authenticate",
}

// InstallResult is the parsed result of `softwareupdate --install`.
type InstallResult struct {
	Installed       []string // names from "Installed NAME" lines
	Downloaded      []string // names from "Downloaded: NAME" or "Downloading NAME" lines
	RestartRequired bool
	Done            bool // the closing "Done." line
}

// ParseInstall parses `softwareupdate --install` output. It returns
// ErrNeedsOwnerCredentials when the output shows the Apple silicon
// refusal, and when the output ends in a "Password:" prompt.
func ParseInstall(output string) (InstallResult, error) {
	var result InstallResult
	lines := parse.Lines(output)
	for _, line := range lines {
		line = strings.TrimSpace(line)
		for _, sign := range ownerCredentialSigns {
			if strings.Contains(line, sign) {
				return result, ErrNeedsOwnerCredentials
			}
		}
		result.readLine(line)
	}
	if n := len(lines); n > 0 && strings.HasSuffix(strings.TrimSpace(lines[n-1]), "Password:") {
		return result, ErrNeedsOwnerCredentials
	}
	return result, nil
}

func (r *InstallResult) readLine(line string) {
	switch {
	case strings.HasPrefix(line, "Installed "):
		r.Installed = append(r.Installed, strings.TrimPrefix(line, "Installed "))
	case strings.HasPrefix(line, "Downloaded: "):
		r.Downloaded = append(r.Downloaded, strings.TrimPrefix(line, "Downloaded: "))
	case strings.HasPrefix(line, "Downloading "):
		r.Downloaded = append(r.Downloaded, strings.TrimPrefix(line, "Downloading "))
	case line == "Done.":
		r.Done = true
	case strings.Contains(line, "requires that you restart"),
		strings.Contains(line, "Restart required"),
		strings.Contains(line, "restart your computer"):
		r.RestartRequired = true
	}
}

// SwVers is the output of `sw_vers`.
type SwVers struct {
	ProductName    string // "macOS", or "Mac OS X" before 10.12
	ProductVersion string // "13.2.1"
	BuildVersion   string // "22D68"
}

// ParseSwVers parses `sw_vers`.
func ParseSwVers(output string) (SwVers, error) {
	fields := parse.Fields(output, ":")
	v := SwVers{ProductName: fields["ProductName"], ProductVersion: fields["ProductVersion"],
		BuildVersion: fields["BuildVersion"]}
	if v.ProductVersion == "" {
		return v, errors.New("sw_vers: no ProductVersion line in the output")
	}
	return v, nil
}
