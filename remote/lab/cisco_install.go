package lab

import (
	"context"
	"fmt"
	"strings"
)

// install runs the one-shot IOS-XE upgrade `install add file FILE
// activate commit` in the wording of real captures. It fails as a
// Catalyst 9200 does when flash lacks space. Otherwise it adds, asks the
// reload question, activates and commits, and then the device reloads and
// the session drops.
func (c *ciscoCLI) install(ctx context.Context, args []string) error {
	if len(args) != 3 || args[1] != "activate" || args[2] != "commit" {
		return c.term.print("% This lab emulates only `install add file FILE activate commit`.\n")
	}
	file := normalizeFlashPath(args[0])
	name := strings.TrimPrefix(file, "flash:")
	s := c.host.Snapshot()
	data, found := s.Files[file]
	c.term.print(c.installLine("install_add_activate_commit: START %s", "install_add: Adding IMG"))
	c.term.print(c.syslog("%%INSTALL-5-INSTALL_START_INFO: Switch 1 R0/0: install_engine: Started install one-shot %s", file))
	version, ok := imageVersion(data)
	if !found || !ok {
		return c.term.print(c.installLine("FAILED: add_activate_commit /mnt/sd3/user/"+name+" %s", ""))
	}
	_, free := flashBytes(&s)
	if required, available := expandedKB(len(data)), free/1024; required > available {
		c.term.print(fmt.Sprintf(" [1] Switch 1 FAILED: /mnt/sd3/user requires %d KB of free space, but only %d KB is available\n", required, available))
		return c.term.print(c.installLine("FAILED: add_activate_commit /mnt/sd3/user/"+name+" %s", ""))
	}
	packages := installPackages(name, version)
	c.term.print(installAddText(file, version, packages))
	answer, err := c.term.ask(ctx, "This operation may require a reload of the system. Do you want to proceed? [y/n]")
	if err != nil {
		return err
	}
	if !strings.EqualFold(answer, "y") && !strings.EqualFold(answer, "yes") {
		return c.term.print(c.installLine("FAILED: install_add_activate_commit exit(1) %s", ""))
	}
	c.term.print(installActivateText)
	c.activate(packages, version, len(data))
	c.term.print(c.installLine("SUCCESS: install_add_activate_commit %s", ""))
	c.term.print(c.syslog("%%PMAN-5-EXITACTION: R0/0: pvp: Process manager is exiting: reload action requested"))
	c.host.Reboot()
	return errReloading
}

// installLine returns format with the device's date, as the install
// engine prints it, and then next if it is not empty.
func (c *ciscoCLI) installLine(format, next string) string {
	line := fmt.Sprintf(format, c.host.Clock().Now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006")) + "\n"
	if next != "" {
		line += next + "\n"
	}
	return line
}

// expandedKB is the free space install add needs for an image of size
// bytes: the image expands into packages about its own size.
// NOTE: the factor is an estimate; real images vary by platform.
func expandedKB(size int) int64 {
	return int64(size)*2/1024 + 1
}

// installPackages names the packages an image expands into:
// cat9k_lite_iosxe.17.09.06a.SPA.bin gives cat9k_lite-rpbase.17.09.06a.SPA.pkg
// and two more.
func installPackages(image, version string) []string {
	base, _, _ := strings.Cut(image, ".")
	base = strings.TrimSuffix(base, "_iosxe")
	var packages []string
	for _, part := range []string{"rpbase", "rpboot", "webui"} {
		packages = append(packages, fmt.Sprintf("/flash/%s-%s.%s.SPA.pkg", base, part, version))
	}
	return packages
}

func installAddText(file, version string, packages []string) string {
	return "--- Starting initial file syncing ---\n" +
		"Copying " + file + " from switch 1 to switch 1\n" +
		"Info: Finished copying to the selected \nFinished initial file syncing\n\n" +
		"--- Starting Add ---\nPerforming Add on all members\n" +
		"  [1] Add package(s) on switch 1\n  [1] Finished Add on switch 1\n" +
		"Checking status of Add on [1]\nAdd: Passed on [1]\n" +
		"Image added. Version: " + version + ".0.100\n\nFinished Add\n\n" +
		"install_activate: Activating IMG\nFollowing packages shall be activated:\n" +
		strings.Join(packages, "\n") + "\n\n"
}

const installActivateText = "\n\n--- Starting Activate ---\nPerforming Activate on all members\n" +
	" [1] Activate package(s) on switch 1\n [1] Finished Activate on switch 1\n" +
	"Checking status of Activate on [1]\nActivate: Passed on [1]\nFinished Activate\n\n" +
	"--- Starting Commit ---\nPerforming Commit on all members\n" +
	" [1] Commit package(s) on switch 1\n [1] Finished Commit on switch 1\n" +
	"Checking status of Commit on [1]\nCommit: Passed on [1]\nFinished Commit operation\n\n"

// activate writes the packages and packages.conf, and stages the new
// release for the reload.
func (c *ciscoCLI) activate(packages []string, version string, size int) {
	c.host.Change(func(s *State) {
		for _, pkg := range packages {
			s.Files["flash:"+strings.TrimPrefix(pkg, "/flash/")] = make([]byte, size/len(packages))
		}
		s.Files["flash:packages.conf"] = []byte("# package.conf for " + version + "\n" + strings.Join(packages, "\n") + "\n")
		s.Facts[factBoot] = "flash:packages.conf"
		s.StagedBuild = version
	})
}
