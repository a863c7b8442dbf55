package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/fortios"
	"patchbay/remote/netcli"
)

// The FortiOS firmware actions:
//   - fortios.check_path rejects a target that the supported upgrade path
//     does not reach in one step.
//   - fortios.backup saves the configuration to a local file.
//   - fortios.firmware installs the image with `execute restore image
//     tftp` and checks the release the device comes back with.
func init() {
	Register(fortiCheckPath{spec{effect: book.Reads, check: checkPathParams}})
	Register(fortiBackup{spec{effect: book.Reads, check: checkBackupParams}})
	Register(fortiFirmware{spec{effect: book.Writes, check: checkFirmwareParams}})
}

var expectContinue = netcli.Expect{Prompt: "Do you want to continue? (y/n)", Answer: "y"}

// fortiStatus reads `get system status`.
func fortiStatus(ctx context.Context, c *deviceCLI) (fortios.SystemStatus, error) {
	out, err := c.read(ctx, "get system status")
	if err != nil {
		return fortios.SystemStatus{}, err
	}
	return fortios.ParseSystemStatus(out)
}

// readFortiStatus reads `get system status` on a CLI session of its own.
func readFortiStatus(ctx context.Context, x *Exec) (fortios.SystemStatus, error) {
	c, err := openCLI(ctx, x)
	if err != nil {
		return fortios.SystemStatus{}, err
	}
	defer c.Close()
	return fortiStatus(ctx, c)
}

// fortiUptimeLine matches "Uptime: 3 days,  4 hours,  12 minutes" in `get
// system performance status`.
var fortiUptimeLine = regexp.MustCompile(`Uptime:\s+(\d+)\s+days?,\s+(\d+)\s+hours?,\s+(\d+)\s+minutes?`)

// fortiUptime reads the uptime from `get system performance status`.
func fortiUptime(ctx context.Context, c *deviceCLI) (time.Duration, error) {
	out, err := c.read(ctx, "get system performance status")
	if err != nil {
		return 0, err
	}
	m := fortiUptimeLine.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("host %s: get system performance status printed no \"Uptime: D days, H hours, M minutes\" line, so a reload cannot be detected", c.x.Host.Name)
	}
	days, _ := strconv.Atoi(m[1])
	hours, _ := strconv.Atoi(m[2])
	minutes, _ := strconv.Atoi(m[3])
	return time.Duration(days*24*60+hours*60+minutes) * time.Minute, nil
}

// upgradeStep checks that target is one supported step from running. It
// returns false when the device already runs target.
func upgradeStep(host string, running, target fortios.Version) (bool, error) {
	path, err := fortios.UpgradePath(running, target)
	if err != nil {
		return false, fmt.Errorf("host %s: %w", host, err)
	}
	if len(path) == 0 {
		return false, nil
	}
	if len(path) > 1 {
		steps := make([]string, len(path))
		for i, v := range path {
			steps[i] = v.String()
		}
		return false, fmt.Errorf("host %s: %w: %s to %s is not one supported step; install %s in that order, one run per release "+
			"(path from patchbay's built-in table, an estimate: confirm it with Fortinet's Upgrade Path Tool for the model)",
			host, fortios.ErrUnsupportedUpgrade, running, target, strings.Join(steps, ", then "))
	}
	return true, nil
}

// targetVersion parses the step's version parameter.
func targetVersion(p book.Params) (fortios.Version, error) {
	if err := requireParams(p, "version"); err != nil {
		return fortios.Version{}, err
	}
	return fortios.ParseVersion(p.String("version", ""))
}

// fortiCheckPath fails when the target release is not one supported step
// from the running one, naming the releases to install in between.
type fortiCheckPath struct{ spec }

func (fortiCheckPath) Name() string { return "fortios.check_path" }

func checkPathParams(p book.Params) []book.ParamProblem {
	return append(p.CheckKnown("version"), p.CheckRequired("version")...)
}

func (fortiCheckPath) Run(ctx context.Context, x *Exec, p book.Params) error {
	target, err := targetVersion(p)
	if err != nil {
		return err
	}
	status, err := readFortiStatus(ctx, x)
	if err != nil {
		return err
	}
	needed, err := upgradeStep(x.Host.Name, status.Version, target)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("%s to %s is a supported step", status.Version, target)
	if !needed {
		detail = fmt.Sprintf("the device already runs %s", target)
	}
	x.Report.Decision("upgrade-path", detail)
	return nil
}

// fortiBackup saves the full configuration to a file in a local folder,
// readable only by the operator. The configuration holds password hashes,
// so it goes to the file and never to the journal.
type fortiBackup struct{ spec }

func (fortiBackup) Name() string { return "fortios.backup" }

func checkBackupParams(p book.Params) []book.ParamProblem {
	return append(p.CheckKnown("dir"), p.CheckRequired("dir")...)
}

func (fortiBackup) Run(ctx context.Context, x *Exec, p book.Params) error {
	if err := requireParams(p, "dir"); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	defer c.Close()
	config, err := c.RunQuiet(ctx, "show full-configuration")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(config, "#config-version=") {
		return fmt.Errorf("host %s: show full-configuration printed no #config-version header; the backup would be incomplete", x.Host.Name)
	}
	path, err := writeBackup(p.String("dir", ""), x.Host.Name, x.now(), config)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(config))
	fmt.Fprintf(x.Stdout, "configuration saved to %s (%d bytes)\n", path, len(config))
	x.Report.Decision("config-backup", fmt.Sprintf("%s, sha256 %s", path, hex.EncodeToString(sum[:])))
	return nil
}

// writeBackup writes config to DIR/HOST-YYYYMMDDTHHMMSSZ.conf with mode
// 0600 and returns the path.
func writeBackup(dir, host string, now time.Time, config string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the backup folder: %w", err)
	}
	path := filepath.Join(dir, host+"-"+now.UTC().Format("20060102T150405Z")+".conf")
	if err := os.WriteFile(path, []byte(config+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write the configuration backup: %w", err)
	}
	return path, nil
}

// fortiFirmware installs a FortiOS image from a TFTP server with
// `execute restore image tftp IMAGE SERVER`, answering its (y/n)
// question, waits for the device to come back and checks the release.
// It checks the upgrade path again first, so it never starts a jump the
// path does not allow. Before that, it fails with ErrHeld when a firmware
// hold on the host names the image or the version (see FirmwareHold).
type fortiFirmware struct{ spec }

func (fortiFirmware) Name() string { return "fortios.firmware" }

func checkFirmwareParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("version", "image", "server")
	for _, name := range []string{"version", "image", "server"} {
		probs = append(probs, p.CheckRequired(name)...)
	}
	return probs
}

func (fortiFirmware) Run(ctx context.Context, x *Exec, p book.Params) error {
	target, err := targetVersion(p)
	if err != nil {
		return err
	}
	if err := requireParams(p, "image", "server"); err != nil {
		return err
	}
	if err := rejectHeldFirmware(x, p.String("image", ""), p.String("version", "")); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	needed, err := needsUpgrade(ctx, c, target)
	if err != nil || !needed {
		c.Close()
		return err
	}

	command := fmt.Sprintf("execute restore image tftp %s %s", p.String("image", ""), p.String("server", ""))
	check := func(out string) error {
		if strings.Contains(out, "Command fail") {
			return fmt.Errorf("host %s: %q failed: %s", x.Host.Name, command, lastLines(out, 2))
		}
		return nil
	}
	if _, err := reloadGear(ctx, x, c, fortiUptime, command, check, expectContinue); err != nil {
		return err
	}
	return verifyFortiOS(ctx, x, target)
}

// needsUpgrade checks the path from the running release to target again.
// It returns false, with a decision, when the device already runs target.
func needsUpgrade(ctx context.Context, c *deviceCLI, target fortios.Version) (bool, error) {
	status, err := fortiStatus(ctx, c)
	if err != nil {
		return false, err
	}
	needed, err := upgradeStep(c.x.Host.Name, status.Version, target)
	if err == nil && !needed {
		c.x.Report.Decision("firmware-current", "the device already runs "+target.String())
	}
	return needed, err
}

// verifyFortiOS checks, on a new CLI session, that the device runs target.
func verifyFortiOS(ctx context.Context, x *Exec, target fortios.Version) error {
	status, err := readFortiStatus(ctx, x)
	if err != nil {
		return err
	}
	if status.Version != target {
		return fmt.Errorf("host %s runs %s after the upgrade, not %s; check the image on the TFTP server and the console", x.Host.Name, status.Version, target)
	}
	x.Facts[FactBuild] = status.Version.String()
	x.Report.Decision("firmware-verified", fmt.Sprintf("host %s runs FortiOS %s build %d", x.Host.Name, status.Version, status.Build))
	return nil
}
