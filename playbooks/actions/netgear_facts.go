package actions

import (
	"context"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/parse/cisco"
)

// Network gear reads its facts on the CLI. Reboot stays empty because
// the generic reboot action sends one command without a PTY and cannot
// answer the device's questions. Playbooks for these platforms reload
// with cisco.reload, cisco.install or fortios.firmware instead.
func init() {
	for _, p := range []inventory.Platform{inventory.PlatformCiscoIOS, inventory.PlatformCiscoIOSXE} {
		RegisterPlatform(p, Platform{ReadFacts: readCiscoFacts, ReadBootID: readCiscoBootID, Class: "network"})
	}
	RegisterPlatform(inventory.PlatformFortiOS, Platform{ReadFacts: readFortiFacts, ReadBootID: readFortiBootID, Class: "network"})
}

// bootIDFromUptime returns the boot time computed from an uptime, in
// ten-minute steps because the CLI prints the uptime in minutes.
// NOTE: a boot time close to a step can read as either neighbour, so two
// reads minutes apart may differ without a reboot.
func bootIDFromUptime(now time.Time, uptime time.Duration) string {
	return now.Add(-uptime).UTC().Truncate(10 * time.Minute).Format("2006-01-02 15:04")
}

// gearFacts fills the facts every platform has from a release and uptime.
func gearFacts(x *Exec, os, build string, uptime time.Duration) Facts {
	return Facts{
		FactOS:             os,
		FactBuild:          build,
		FactBootID:         bootIDFromUptime(x.now(), uptime),
		FactUptimeHours:    uptime.Hours(),
		FactUpdates:        []string{},
		FactUpdatesPending: 0.0,
		FactRebootPending:  false,
	}
}

func readCiscoFacts(ctx context.Context, x *Exec) (Facts, error) {
	c, err := openCLI(ctx, x)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	v, err := ciscoVersion(ctx, c)
	if err != nil {
		return nil, err
	}
	name := "Cisco IOS "
	if v.XEVersion != "" {
		name = "Cisco IOS XE "
	}
	f := gearFacts(x, name+v.Installed(), v.Installed(), v.Uptime)
	out, err := c.read(ctx, "dir flash:")
	if err != nil {
		return nil, err
	}
	if _, free, err := cisco.ParseDirFree(out); err == nil {
		f[FactFreeDiskMB] = float64(free >> 20)
	}
	return f, nil
}

func readCiscoBootID(ctx context.Context, x *Exec) (string, error) {
	c, err := openCLI(ctx, x)
	if err != nil {
		return "", err
	}
	defer c.Close()
	uptime, err := ciscoUptime(ctx, c)
	return bootIDFromUptime(x.now(), uptime), err
}

func readFortiFacts(ctx context.Context, x *Exec) (Facts, error) {
	c, err := openCLI(ctx, x)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	status, err := fortiStatus(ctx, c)
	if err != nil {
		return nil, err
	}
	uptime, err := fortiUptime(ctx, c)
	if err != nil {
		return nil, err
	}
	return gearFacts(x, "FortiOS "+status.Version.String(), status.Version.String(), uptime), nil
}

func readFortiBootID(ctx context.Context, x *Exec) (string, error) {
	c, err := openCLI(ctx, x)
	if err != nil {
		return "", err
	}
	defer c.Close()
	uptime, err := fortiUptime(ctx, c)
	return bootIDFromUptime(x.now(), uptime), err
}
