package actions

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/esxi"
	"patchbay/state/event"
)

// esxiProfileUpdate installs an image profile from an offline depot with
// esxcli software profile update.
//
// The depot is a path on the host, such as a zip on a datastore. Without
// a profile parameter, the action picks the highest build of the depot's
// "standard" profiles (the security-only ones when security_only is
// true). A firmware hold whose item is the profile or the depot's file
// name keeps the update back. The host must be in maintenance mode: the
// action rejects the step otherwise, before esxcli would. When the
// update fails, the action leaves maintenance mode and starts the VMs
// again, as esxi.maintenance does.
type esxiProfileUpdate struct{ spec }

func init() {
	Register(esxiProfileUpdate{spec{effect: book.Writes, check: checkProfileParams}})
	Register(esxiVerify{spec{effect: book.Reads}})
	Register(esxiDepot{spec{effect: book.Reads, check: checkProfileParams}})
}

// Facts that esxi.depot sets for the steps after it.
const (
	FactESXiTarget       = "esxi_target_profile" // the image profile to install
	FactESXiUpdateNeeded = "esxi_update_needed"  // the target differs from the installed profile and is not held
)

func (esxiProfileUpdate) Name() string { return "esxi.profile_update" }

// errNoDepot is the error for an empty depot parameter.
var errNoDepot = errors.New("parameter depot is empty; set the depot variable to the depot zip's path on the host, such as /vmfs/volumes/datastore1/VMware-ESXi-8.0U2b-23305546-depot.zip")

// ErrNotInMaintenance means a profile update was requested outside
// maintenance mode.
var ErrNotInMaintenance = errors.New("not in maintenance mode")

func checkProfileParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("depot", "profile", "security_only")
	probs = append(probs, p.CheckRequired("depot")...)
	return append(probs, p.CheckBool("security_only")...)
}

func (esxiProfileUpdate) Run(ctx context.Context, x *Exec, p book.Params) error {
	depot := p.String("depot", "")
	if depot == "" {
		restoreService(ctx, x)
		return errNoDepot
	}
	if err := requireMaintenance(ctx, x); err != nil {
		restoreService(ctx, x)
		return err
	}
	x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	current, target, err := profiles(ctx, x, p, depot)
	if err != nil {
		restoreService(ctx, x)
		return err
	}
	if hold := FirmwareHold(x.Holds, depot, target); hold != nil {
		x.Report.UpdateResult(event.UpdateResult{Update: target, Title: "held by hold " + hold.ID, ResultCode: "held"})
		return nil
	}
	if current == target {
		x.Report.Decision("nothing-to-install", "image profile "+target+" is installed already")
		return nil
	}
	if err := updateProfile(ctx, x, depot, target); err != nil {
		restoreService(ctx, x)
		return err
	}
	return nil
}

func requireMaintenance(ctx context.Context, x *Exec) error {
	f := Facts{}
	if err := readMaintenance(ctx, x, f); err != nil {
		return err
	}
	if !f.Bool(FactMaintenanceMode) {
		return fmt.Errorf("host %s: image profile update %w; run esxi.maintenance with enable: true first", x.Host.Name, ErrNotInMaintenance)
	}
	return nil
}

// profiles returns the installed profile and the one to install.
func profiles(ctx context.Context, x *Exec, p book.Params, depot string) (current, target string, err error) {
	out, err := readLinux(ctx, x, "esxcli software profile get")
	if err != nil {
		return "", "", err
	}
	installed, err := esxi.ParseProfileGet(out)
	if err != nil {
		return "", "", err
	}
	if name := p.String("profile", ""); name != "" {
		return installed.Name, name, nil
	}
	if name := x.Facts.Text(FactESXiTarget); name != "" {
		return installed.Name, name, nil
	}
	out, err = readLinux(ctx, x, "esxcli software sources profile list -d "+shellQuote(depot))
	if err != nil {
		return "", "", fmt.Errorf("list the profiles of depot %s: %w", depot, err)
	}
	list, err := esxi.ParseProfileList(out)
	if err != nil {
		return "", "", err
	}
	best, err := esxi.SelectProfile(list, p.Bool("security_only", false))
	return installed.Name, best.Name, err
}

func updateProfile(ctx context.Context, x *Exec, depot, profile string) error {
	x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Index: 1, Total: 1})
	line := fmt.Sprintf("esxcli software profile update -d %s -p %s", shellQuote(depot), shellQuote(profile))
	stdout, code, err := x.Stream(ctx, x.command(line))
	if err != nil {
		return err
	}
	res, perr := esxi.ParseUpdateResult(stdout)
	if perr != nil || code != 0 {
		x.Report.UpdateResult(event.UpdateResult{Update: profile, Title: "esxcli software profile update", ResultCode: "failed"})
		return fmt.Errorf("esxcli software profile update -p %s exited with status %d: %s", profile, code, truncate(strings.TrimSpace(stdout), 400))
	}
	x.Installed = append(x.Installed, profile)
	x.Report.UpdateResult(event.UpdateResult{Update: profile, Title: res.Message, ResultCode: "succeeded"})
	if name, err := esxi.ParseProfileName(profile); err == nil {
		x.Facts[factTargetBuild] = strconv.Itoa(name.Build)
	}
	if res.RebootRequired {
		markRebootPending(x, "image profile "+profile+" is installed and takes effect at the next boot")
	}
	return nil
}

// esxiVerify checks with vmware -vl that the host runs the build of the
// image profile that esxi.profile_update installed in this run. It only
// reads, and passes when no profile was installed.
type esxiVerify struct{ spec }

func (esxiVerify) Name() string { return "esxi.verify" }

func (esxiVerify) Run(ctx context.Context, x *Exec, _ book.Params) error {
	f := Facts{}
	if err := readESXiVersion(ctx, x, f); err != nil {
		return err
	}
	x.Facts.Merge(f)
	want := x.Facts.Text(factTargetBuild)
	if want == "" {
		x.Report.Decision("verify", "no image profile was installed in this run; the host runs "+f.Text(FactBuild))
		return nil
	}
	if !strings.HasSuffix(f.Text(FactBuild), "build-"+want) {
		return fmt.Errorf("host %s runs %s after the update, expected build %s; check the boot bank with esxcli software profile get", x.Host.Name, f.Text(FactBuild), want)
	}
	return nil
}

// esxiDepot checks the depot before anything changes on the host: it
// lists the depot's profiles, picks the one to install as
// esxi.profile_update would, and sets the facts esxi_target_profile and
// esxi_update_needed. A playbook runs its disruptive steps only when an
// update is needed, so a wrong depot path or an up-to-date host never
// stops the guests.
type esxiDepot struct{ spec }

func (esxiDepot) Name() string { return "esxi.depot" }

func (esxiDepot) Run(ctx context.Context, x *Exec, p book.Params) error {
	depot := p.String("depot", "")
	if depot == "" {
		return errNoDepot
	}
	delete(x.Facts, FactESXiTarget)
	current, target, err := profiles(ctx, x, p, depot)
	if err != nil {
		return err
	}
	x.Facts[FactESXiTarget], x.Facts[FactESXiUpdateNeeded] = target, false
	switch hold := FirmwareHold(x.Holds, depot, target); {
	case hold != nil:
		x.Report.UpdateResult(event.UpdateResult{Update: target, Title: "held by hold " + hold.ID, ResultCode: "held"})
	case current == target:
		x.Report.Decision("nothing-to-install", "image profile "+target+" is installed already")
	default:
		x.Facts[FactESXiUpdateNeeded] = true
		x.Report.Decision("update-needed", fmt.Sprintf("image profile %s replaces %s", target, current))
	}
	return nil
}
