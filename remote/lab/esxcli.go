package lab

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// esxcliCall is one parsed esxcli command line: the namespace and command
// words, then the options by long name.
type esxcliCall struct {
	command string
	options map[string]string
}

// esxcliShort maps the short options the patch commands use to their long
// names.
var esxcliShort = map[string]string{
	"-d": "depot", "-p": "profile", "-e": "enable", "-t": "timeout", "-r": "reason", "-m": "vsanmode",
}

func parseEsxcli(args []string) (esxcliCall, bool) {
	call := esxcliCall{options: map[string]string{}}
	var words []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			words = append(words, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if long, ok := esxcliShort[arg]; ok {
			name = long
		}
		if !hasValue {
			if i+1 == len(args) {
				return call, false
			}
			i++
			value = args[i]
		}
		call.options[name] = value
	}
	call.command = strings.Join(words, " ")
	return call, true
}

func runEsxcli(ctx context.Context, c *Call) (int, error) {
	call, ok := parseEsxcli(c.Args[1:])
	if !ok {
		c.Printf("Error: Missing required parameter value\n")
		return 1, nil
	}
	switch call.command {
	case "software profile get":
		return esxcliProfileGet(c)
	case "software sources profile list":
		return esxcliProfileList(c, call)
	case "software profile update":
		return esxcliProfileUpdate(c, call)
	case "system maintenanceMode get":
		return esxcliMaintenanceGet(c)
	case "system maintenanceMode set":
		return esxcliMaintenanceSet(ctx, c, call)
	}
	c.Printf("Error: Unknown command or namespace %s\n", call.command)
	return 1, nil
}

func esxcliProfileGet(c *Call) (int, error) {
	s := c.Host.Snapshot()
	name := s.Facts[factESXiProfile]
	c.Printf("   %s\n   Name: %s\n   Vendor: VMware, Inc.\n   Creation Time: 2023-09-28T11:26:16\n", name, name)
	c.Printf("   Modification Time: %s\n   Stateless Ready: True\n", s.BootTime.UTC().Format("2006-01-02T15:04:05"))
	return 0, nil
}

// checkDepot writes esxcli's error for a depot other than ESXiDepot.
// NOTE: the wording follows esxcli's bracketed error form; no capture of
// this error was available.
func checkDepot(c *Call, depot string) bool {
	if depot == ESXiDepot {
		return true
	}
	c.Printf(" [MetadataDownloadError]\n Could not download from depot at zip:%s?index.xml, skipping\n", depot)
	c.Printf(" Please refer to the log file for more details.\n")
	return false
}

func esxcliProfileList(c *Call, call esxcliCall) (int, error) {
	if !checkDepot(c, call.options["depot"]) {
		return 1, nil
	}
	c.Printf("%-30s  %-12s  %-16s  %-19s  %s\n", "Name", "Vendor", "Acceptance Level", "Creation Time", "Modification Time")
	c.Printf("%s  %s  %s  %s  %s\n", strings.Repeat("-", 30), strings.Repeat("-", 12), strings.Repeat("-", 16), strings.Repeat("-", 19), strings.Repeat("-", 17))
	for _, p := range depotProfiles {
		c.Printf("%-30s  %-12s  %-16s  %-19s  %s\n", p.name, "VMware, Inc.", "PartnerSupported", "2024-02-29T00:00:00", p.modified)
	}
	return 0, nil
}

// esxcliProfileUpdate stages the profile's build for the next boot. It
// rejects the update outside maintenance mode with esxcli's
// [MaintenanceMode] error, because the esx-base VIB cannot be replaced on
// a live system.
// NOTE: the error's wording is recalled from esxcli, not taken from a
// capture.
func esxcliProfileUpdate(c *Call, call esxcliCall) (int, error) {
	depot, profile := call.options["depot"], call.options["profile"]
	if depot == "" || profile == "" {
		c.Printf("Error: Missing required parameter -d|--depot and -p|--profile\n")
		return 1, nil
	}
	if !checkDepot(c, depot) {
		return 1, nil
	}
	i := slices.IndexFunc(depotProfiles, func(p struct{ name, build, modified string }) bool { return p.name == profile })
	if i < 0 {
		c.Printf(" [NoMatchError]\n No image profile found with name '%s'\n id = %s\n Please refer to the log file for more details.\n", profile, profile)
		return 1, nil
	}

	s := c.Host.Snapshot()
	from, to := esxiReleases[s.Build], depotProfiles[i]
	removed := "VMware_bootbank_esx-base_8.0.2-0.0." + s.Build
	installed := "VMware_bootbank_esx-base_8.0.2-0.25." + to.build
	if s.Facts[factESXiMaintenance] != "true" {
		c.Printf(" [MaintenanceMode]\n MaintenanceMode is required to remove: [%s]; install: [%s].\n", removed, installed)
		c.Printf(" Please refer to the log file for more details.\n")
		return 1, nil
	}

	if from.profile == to.name {
		c.Printf("Update Result\n   Message: Host is not changed.\n   Reboot Required: false\n   VIBs Installed: \n   VIBs Removed: \n   VIBs Skipped: %s\n", installed)
		return 0, nil
	}
	c.Host.Change(func(s *State) {
		s.Install(Update{ID: to.name, Version: to.build, NeedsReboot: true, Build: to.build}, "image profile "+to.name+" was installed")
	})
	c.Printf("Update Result\n   Message: The update completed successfully, but the system needs to be rebooted for the changes to be effective.\n")
	c.Printf("   Reboot Required: true\n   VIBs Installed: %s\n   VIBs Removed: %s\n   VIBs Skipped: \n", installed, removed)
	return 0, nil
}

func esxcliMaintenanceGet(c *Call) (int, error) {
	if c.Host.Snapshot().Facts[factESXiMaintenance] == "true" {
		c.Printf("Enabled\n")
	} else {
		c.Printf("Disabled\n")
	}
	return 0, nil
}

// esxcliMaintenanceSet enters or leaves maintenance mode. On this
// standalone host, entering waits for running VMs to stop, as vSphere
// does. Nothing stops them, so the command fails at its --timeout in
// seconds. With 0 or no timeout it waits until the client gives up.
func esxcliMaintenanceSet(ctx context.Context, c *Call, call esxcliCall) (int, error) {
	enable, err := strconv.ParseBool(call.options["enable"])
	if err != nil {
		c.Printf("Error: Invalid value for --enable: %q, expected true or false\n", call.options["enable"])
		return 1, nil
	}
	s := c.Host.Snapshot()
	if (s.Facts[factESXiMaintenance] == "true") == enable {
		c.Printf("Maintenance mode is already %s.\n", map[bool]string{true: "enabled", false: "disabled"}[enable])
		return 1, nil
	}
	if enable {
		if running := runningVMs(s); len(running) > 0 {
			return waitForVMs(ctx, c, call, running)
		}
	}
	c.Host.Change(func(s *State) { s.Facts[factESXiMaintenance] = strconv.FormatBool(enable) })
	return 0, nil
}

// waitForVMs is the refused entry into maintenance mode.
// NOTE: the message is the lab's, because no capture of esxcli's own
// timeout message was available.
func waitForVMs(ctx context.Context, c *Call, call esxcliCall, running []string) (int, error) {
	seconds, _ := strconv.Atoi(call.options["timeout"])
	if seconds <= 0 {
		<-ctx.Done()
		return 130, nil
	}
	if err := sleep(ctx, c.Host.Clock(), time.Duration(seconds)*time.Second); err != nil {
		return 130, nil
	}
	c.Printf("Unable to enter maintenance mode within %d seconds: virtual machines still running on this standalone host: %s\n",
		seconds, strings.Join(running, ", "))
	return 1, nil
}
