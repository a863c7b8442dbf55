package lab

import (
	"bufio"
	"context"
	"slices"
	"strings"
)

// suArgs are the parsed arguments of one softwareupdate call.
type suArgs struct {
	list, install, all, restart, stdinpass bool
	user                                   string
	labels                                 []string
}

func parseSoftwareUpdate(args []string) (suArgs, bool) {
	var a suArgs
	for i := 0; i < len(args); i++ {
		switch arg := args[i]; arg {
		case "-l", "--list":
			a.list = true
		case "-i", "--install":
			a.install = true
		case "-a", "--all":
			a.all = true
		case "-R", "--restart":
			a.restart = true
		case "--stdinpass":
			a.stdinpass = true
		case "--user":
			if i+1 == len(args) {
				return a, false
			}
			i++
			a.user = args[i]
		case "--agree-to-license", "--force", "--no-scan", "--verbose":
		default:
			if strings.HasPrefix(arg, "-") {
				return a, false
			}
			a.labels = append(a.labels, arg)
		}
	}
	return a, a.list != a.install
}

// runSoftwareUpdate emulates softwareupdate --list and --install. The
// banner and "No new software available." go to standard error, the list
// to standard output, as on a real Mac.
func runSoftwareUpdate(ctx context.Context, c *Call) (int, error) {
	a, ok := parseSoftwareUpdate(c.Args[1:])
	if !ok {
		c.Errorf("usage: softwareupdate <cmd> [<args> ...]\n\n** Manage Updates:\n\t-l | --list\t\tList all appropriate update labels\n\t-i | --install\t\tInstall\n")
		return 1, nil
	}
	c.Errorf("Software Update Tool\n\nFinding available software\n")
	if a.list {
		softwareUpdateList(c)
		return 0, nil
	}
	return softwareUpdateInstall(ctx, c, a)
}

func softwareUpdateList(c *Call) {
	s := c.Host.Snapshot()
	if len(s.Pending) == 0 {
		c.Errorf("No new software available.\n")
		return
	}
	c.Printf("Software Update found the following new or updated software:\n")
	for _, u := range s.Pending {
		if s.Facts[factMacListFormat] == "legacy" {
			c.Printf("   * %s\n\t%s (%s), %dK [recommended]%s\n", u.ID, u.Title, u.Version, u.SizeKB, legacyAction(u))
			continue
		}
		action := ""
		if u.NeedsReboot {
			action = " Action: restart,"
		}
		c.Printf("* Label: %s\n\tTitle: %s, Version: %s, Size: %dKiB, Recommended: YES,%s\n", u.ID, u.Title, u.Version, u.SizeKB, action)
	}
}

func legacyAction(u Update) string {
	if u.NeedsReboot {
		return " [restart]"
	}
	return ""
}

// selectUpdates returns the pending updates that a names: all, or those
// whose labels it lists. It writes an error for an unknown label.
func selectUpdates(c *Call, a suArgs) ([]Update, bool) {
	s := c.Host.Snapshot()
	if a.all {
		return s.Pending, true
	}
	var out []Update
	for _, label := range a.labels {
		i := s.FindPending(label)
		if i < 0 {
			c.Errorf("%s: No such update\n", label)
			return nil, false
		}
		out = append(out, s.Pending[i])
	}
	return out, len(out) > 0
}

// softwareUpdateInstall installs the selected updates. On Apple silicon
// an update that restarts the Mac needs the volume owner: without
// --user and --stdinpass the real tool waits for a GUI prompt that SSH
// cannot answer, so the emulation prints the same first line and then
// waits until the client gives up.
func softwareUpdateInstall(ctx context.Context, c *Call, a suArgs) (int, error) {
	updates, ok := selectUpdates(c, a)
	if !ok {
		if len(a.labels) == 0 && !a.all {
			c.Errorf("No updates specified.\n")
		}
		return 1, nil
	}
	if !c.Root && c.Host.Snapshot().Facts[factMacArch] != MacAppleSilicon {
		c.Errorf("lab: softwareupdate --install needs root on an Intel Mac; run it with sudo\n")
		return 1, nil
	}
	if needsOwner(c, updates) {
		if code, done := ownerCheck(ctx, c, a, updates); done {
			return code, nil
		}
	}
	return installMacUpdates(c, a, updates), nil
}

func needsOwner(c *Call, updates []Update) bool {
	return c.Host.Snapshot().Facts[factMacArch] == MacAppleSilicon &&
		slices.ContainsFunc(updates, func(u Update) bool { return u.NeedsReboot })
}

// ownerCheck applies the Apple silicon rule. It returns done when the
// install must stop with code.
func ownerCheck(ctx context.Context, c *Call, a suArgs, updates []Update) (code int, done bool) {
	s := c.Host.Snapshot()
	if a.user == "" || !a.stdinpass {
		if c.Root {
			c.Printf("\nUsing softwareupdate to install updates on Apple Silicon should not be run with sudo\n")
		} else {
			c.Printf("Password:")
		}
		<-ctx.Done()
		return 130, true
	}
	password, _ := bufio.NewReader(c.Stdin).ReadString('\n')
	if a.user == s.Facts[factMacOwner] && strings.TrimRight(password, "\r\n") == s.Facts[factMacOwnerPassword] {
		return 0, false
	}
	for _, u := range updates {
		if u.NeedsReboot {
			c.Printf("Downloaded: %s\n", u.Title)
		}
	}
	c.Printf("Failed to authenticate\n")
	return 1, true
}

// installMacUpdates installs updates in the shape of the OS X install
// output (Downloading, Installed, Done.) and restarts the Mac when asked
// and needed.
// NOTE: later macOS releases word the progress lines differently; the
// emulation follows the one captured install, from OS X 10.8.
func installMacUpdates(c *Call, a suArgs, updates []Update) int {
	restart := false
	for _, u := range updates {
		c.Printf("Downloading %s\n", u.Title)
	}
	for _, u := range updates {
		c.Host.Change(func(s *State) { s.Install(u, "softwareupdate installed "+u.Title) })
		c.Printf("Installed %s\n", u.Title)
		restart = restart || u.NeedsReboot
	}
	c.Printf("Done.\n")
	switch {
	case restart && a.restart:
		c.Host.Reboot()
	case restart:
		c.Printf("You have installed one or more updates that requires that you restart your\ncomputer.  Please restart immediately.\n")
	}
	return 0
}
