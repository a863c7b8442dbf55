package actions

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/cisco"
	"patchbay/remote/netcli"
)

// The Cisco firmware actions work on the CLI of IOS and IOS-XE devices,
// each on a CLI session of its own:
//   - cisco.stage_image copies an image to flash and verifies it.
//   - cisco.set_boot points the boot variable at it and saves.
//   - cisco.reload reloads into it (bundle mode).
//   - cisco.install runs the IOS-XE one-shot install (install mode).
//
// Each of them fails with ErrHeld, before it sends a command, when a
// firmware hold on the host names its image or version (see FirmwareHold).
func init() {
	Register(ciscoStageImage{spec{effect: book.Writes, check: checkStageParams}})
	Register(ciscoSetBoot{spec{effect: book.Writes, check: checkSetBootParams}})
	Register(ciscoReload{spec{effect: book.Writes, check: checkReloadParams}})
	Register(ciscoInstall{spec{effect: book.Writes, check: checkInstallParams}})
}

// Answers to the questions of reload and install. Saving before the
// reload keeps the boot variable that set_boot wrote.
var (
	expectSave    = netcli.Expect{Prompt: "System configuration has been modified. Save? [yes/no]:", Answer: "yes\n"}
	expectReload  = netcli.Expect{Prompt: "Proceed with reload? [confirm]", Answer: "\n"}
	expectDest    = netcli.Expect{Prompt: "Destination filename [startup-config]?", Answer: "\n"}
	expectInstall = netcli.Expect{Prompt: "Do you want to proceed? [y/n]", Answer: "y\n"}
)

// hexDigest matches an MD5 (32) or SHA-512 (128) digest in hex.
var hexDigest = regexp.MustCompile(`^([0-9a-fA-F]{32}|[0-9a-fA-F]{128})$`)

// isDeferred reports whether a parameter holds a ${variable} that only
// the runner expands, so it cannot be checked when the playbook loads.
func isDeferred(p book.Params, name string) bool {
	return strings.Contains(p.String(name, ""), "${")
}

// flashName returns the file name an image gets on flash: the base name
// of its local path.
func flashName(p book.Params) string {
	return "flash:" + path.Base(p.String("image", ""))
}

// requireParams fails when a parameter is empty after expansion, which
// happens when the playbook's variable was left at its empty default.
func requireParams(p book.Params, names ...string) error {
	for _, name := range names {
		if strings.TrimSpace(p.String(name, "")) == "" {
			return fmt.Errorf("parameter %q is empty; set the playbook variable that fills it, for example with --var", name)
		}
	}
	return nil
}

// ciscoUptime reads the uptime from `show version`.
func ciscoUptime(ctx context.Context, c *deviceCLI) (time.Duration, error) {
	v, err := ciscoVersion(ctx, c)
	return v.Uptime, err
}

func ciscoVersion(ctx context.Context, c *deviceCLI) (cisco.ShowVersion, error) {
	out, err := c.read(ctx, "show version")
	if err != nil {
		return cisco.ShowVersion{}, err
	}
	return cisco.ParseShowVersion(out)
}

// ciscoSetBoot points the boot variable at the staged image, keeping the
// running image as the fallback, and saves the configuration.
type ciscoSetBoot struct{ spec }

func (ciscoSetBoot) Name() string { return "cisco.set_boot" }

func checkSetBootParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("image", "keep_previous")
	probs = append(probs, p.CheckRequired("image")...)
	return append(probs, p.CheckBool("keep_previous")...)
}

func (ciscoSetBoot) Run(ctx context.Context, x *Exec, p book.Params) error {
	if err := requireParams(p, "image"); err != nil {
		return err
	}
	if err := rejectHeldFirmware(x, p.String("image", ""), ""); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	defer c.Close()
	running, err := ciscoVersion(ctx, c)
	if err != nil {
		return err
	}
	image := flashName(p)
	commands := []string{"configure terminal", "no boot system", "boot system " + image}
	if p.Bool("keep_previous", true) && running.Image != "" && running.Image != image {
		commands = append(commands, "boot system "+running.Image)
	}
	for _, command := range append(commands, "end") {
		if out, err := c.Run(ctx, command); err != nil {
			return err
		} else if strings.Contains(out, "% Invalid input") {
			return fmt.Errorf("%q was rejected: %s", command, lastLines(out, 2))
		}
	}
	return saveAndCheckBoot(ctx, c, image)
}

// saveAndCheckBoot saves the configuration and checks that the device
// boots image next.
func saveAndCheckBoot(ctx context.Context, c *deviceCLI, image string) error {
	out, err := c.Run(ctx, "copy running-config startup-config", expectDest)
	if err != nil {
		return err
	}
	if err := requireText("copy running-config startup-config", out, "[OK]"); err != nil {
		return err
	}
	out, err = c.read(ctx, "show boot")
	if err != nil {
		return err
	}
	boot := cisco.ParseShowBoot(out)
	if len(boot.Images) == 0 || !sameFlashFile(boot.Images[0], image) {
		return fmt.Errorf("show boot lists %q after the change, want %s first", boot.Images, image)
	}
	c.x.Report.Decision("boot-set", "the device boots "+image+" next")
	return nil
}

// sameFlashFile compares two flash paths, ignoring "flash:/" against
// "flash:".
func sameFlashFile(a, b string) bool {
	norm := func(s string) string { return strings.Replace(s, ":/", ":", 1) }
	return norm(a) == norm(b)
}

// ciscoReload reloads a bundle-mode device, answering the save and
// confirm questions, waits for it to come back and checks the release
// and boot image it runs.
type ciscoReload struct{ spec }

func (ciscoReload) Name() string { return "cisco.reload" }

func checkReloadParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("version", "image")
	return append(probs, p.CheckRequired("version")...)
}

func (ciscoReload) Run(ctx context.Context, x *Exec, p book.Params) error {
	if err := requireParams(p, "version"); err != nil {
		return err
	}
	if err := rejectHeldFirmware(x, p.String("image", ""), p.String("version", "")); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	if _, err := reloadGear(ctx, x, c, ciscoUptime, "reload", nil, expectSave, expectReload); err != nil {
		return err
	}
	return verifyCisco(ctx, x, p.String("version", ""), p.String("image", ""))
}

// verifyCisco checks, on a new CLI session, that the device runs version
// and, when image is set, that it booted it.
func verifyCisco(ctx context.Context, x *Exec, version, image string) error {
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := ciscoVersion(ctx, c)
	if err != nil {
		return err
	}
	if v.Installed() != version {
		return fmt.Errorf("host %s runs %s after the reload, not %s; check show boot and the image on flash", x.Host.Name, v.Installed(), version)
	}
	if image != "" && !sameFlashFile(v.Image, "flash:"+path.Base(image)) {
		return fmt.Errorf("host %s booted %s, not %s", x.Host.Name, v.Image, path.Base(image))
	}
	out, err := c.read(ctx, "show boot")
	if err != nil {
		return err
	}
	if boot := cisco.ParseShowBoot(out); image != "" && (len(boot.Images) == 0 || !sameFlashFile(boot.Images[0], "flash:"+path.Base(image))) {
		return fmt.Errorf("host %s will boot %q next, not %s; run cisco.set_boot again", x.Host.Name, boot.Images, path.Base(image))
	}
	x.Facts[FactBuild] = v.Installed()
	x.Report.Decision("firmware-verified", fmt.Sprintf("host %s runs %s from %s", x.Host.Name, v.Installed(), v.Image))
	return nil
}

// ciscoInstall runs `install add file IMAGE activate commit` on an
// IOS-XE device in install mode. The session drops when the device
// reloads after activate. That is the expected outcome, so the action
// then waits for the device and checks the release and install mode.
type ciscoInstall struct{ spec }

func (ciscoInstall) Name() string { return "cisco.install" }

func checkInstallParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("image", "version")
	probs = append(probs, p.CheckRequired("image")...)
	return append(probs, p.CheckRequired("version")...)
}

func (ciscoInstall) Run(ctx context.Context, x *Exec, p book.Params) error {
	if err := requireParams(p, "image", "version"); err != nil {
		return err
	}
	if err := rejectHeldFirmware(x, p.String("image", ""), p.String("version", "")); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	command := "install add file " + flashName(p) + " activate commit"
	check := func(out string) error {
		result, err := cisco.ParseInstall(out)
		if err != nil {
			return fmt.Errorf("host %s: %w%s", x.Host.Name, err, installAdvice(result))
		}
		return nil
	}
	if _, err := reloadGear(ctx, x, c, ciscoUptime, command, check, expectInstall); err != nil {
		return err
	}
	return verifyInstallMode(ctx, x, p.String("version", ""))
}

// installAdvice returns what to do after a failed install.
func installAdvice(result cisco.InstallResult) string {
	if result.RequiredKB > 0 {
		return "; free flash with `install remove inactive`, which deletes the packages no installed release uses, and run the playbook again"
	}
	return "; see the step output for the install log"
}

// verifyInstallMode checks, on a new CLI session, that the device runs
// version and boots in install mode.
func verifyInstallMode(ctx context.Context, x *Exec, version string) error {
	if err := verifyCisco(ctx, x, version, ""); err != nil {
		return err
	}
	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	defer c.Close()
	out, err := c.read(ctx, "show boot")
	if err != nil {
		return err
	}
	if boot := cisco.ParseShowBoot(out); boot.Mode() != cisco.InstallMode {
		return fmt.Errorf("host %s boots %q after the install, not packages.conf; it left install mode", x.Host.Name, boot.Images)
	}
	return nil
}
