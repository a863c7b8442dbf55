package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/macos"
	"patchbay/remote"
	"patchbay/state/event"
)

// macUpdate installs the pending macOS updates with softwareupdate.
//
// Held updates (an inventory hold whose item is the update's label or
// title) stay out: the others are then installed by label instead of with
// --all. When an update needs a restart and the reboot policy and window
// allow one now, softwareupdate restarts the Mac itself (--restart). The
// action then waits until the Mac is back, as the reboot action does.
// Otherwise it leaves a pending reboot for the reboot step.
//
// On Apple silicon, softwareupdate waits for a volume owner's password
// in a prompt that SSH cannot answer. The action watches the output, stops
// the command at the first sign of that prompt, or when the command
// prints nothing for output_timeout, and fails with "needs owner
// credentials".
type macUpdate struct{ spec }

func init() {
	Register(macUpdate{spec{effect: book.Writes, check: checkMacParams}})
	Register(macVerify{spec{effect: book.Reads}})
}

// factMacTarget is the macOS version that an OS update installed in this
// run makes the Mac run after its restart, for macos.verify.
const factMacTarget = "macos_target_version"

func (macUpdate) Name() string { return "macos.update" }

// DefaultOutputTimeout is how long macos.update lets softwareupdate print
// nothing before it gives up. Downloads of several GB print progress, so
// a long silence means the tool waits for input. The value is an
// estimate.
const DefaultOutputTimeout = 15 * time.Minute

func checkMacParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("restart", "output_timeout")
	probs = append(probs, p.CheckOneOf("restart", "auto", "never")...)
	return append(probs, p.CheckDuration("output_timeout")...)
}

func (macUpdate) Run(ctx context.Context, x *Exec, p book.Params) error {
	x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	list, err := listMacUpdates(ctx, x)
	if err != nil {
		return err
	}

	todo := withoutMacHolds(x, list.Updates)
	if len(todo) == 0 {
		x.Report.Decision("nothing-to-install", "softwareupdate lists no update outside the holds")
		return nil
	}
	restart := restartNow(x, p, todo)
	before := ""
	if restart {
		if before, err = readMacBootID(ctx, x); err != nil {
			return fmt.Errorf("read boot time before the restart: %w", err)
		}
	}

	output, err := installMac(ctx, x, p, installLine(x.Host, todo, len(todo) == len(list.Updates), restart), len(todo))
	if err != nil {
		return err
	}
	macResults(x, todo, output)

	if !restart {
		if needsRestart(todo) {
			markRebootPending(x, "softwareupdate installed updates that need a restart")
		}
		return nil
	}
	return waitMacRestart(ctx, x, before)
}

// withoutMacHolds returns the updates no hold names, and records the held
// ones.
func withoutMacHolds(x *Exec, updates []macos.Update) []macos.Update {
	var out []macos.Update
	for _, u := range updates {
		if hold := macHold(x.Holds, u); hold != nil {
			x.Report.UpdateResult(event.UpdateResult{Update: u.Label, Title: "held by hold " + hold.ID, ResultCode: "held"})
			continue
		}
		out = append(out, u)
	}
	return out
}

// macHold returns the hold on update u, matched by label or title without
// regard to case, or nil. Windows KB holds never match.
func macHold(holds []*inventory.Hold, u macos.Update) *inventory.Hold {
	for _, h := range holds {
		if h.Kind == inventory.HoldKB {
			continue
		}
		if strings.EqualFold(h.Item, u.Label) || strings.EqualFold(h.Item, u.Title) {
			return h
		}
	}
	return nil
}

func needsRestart(updates []macos.Update) bool {
	for _, u := range updates {
		if u.Restart || u.ShutDown {
			return true
		}
	}
	return false
}

// restartNow reports whether softwareupdate may restart the Mac itself:
// an update needs it, the step allows it, the reboot cap is not reached
// and the reboot policy and window allow a reboot now.
func restartNow(x *Exec, p book.Params, todo []macos.Update) bool {
	if !needsRestart(todo) || p.String("restart", "auto") == "never" {
		return false
	}
	if x.Reboots >= x.MaxReboots {
		x.Report.Decision("reboot-deferred", fmt.Sprintf("host %s rebooted %d times in this run", x.Host.Name, x.Reboots))
		return false
	}
	return deferReboot(x) == nil
}

// installLine returns the softwareupdate command: --all when nothing is
// held, the labels otherwise.
func installLine(h *inventory.Host, todo []macos.Update, all, restart bool) string {
	line := "softwareupdate --install"
	if all {
		line += " --all"
	} else {
		for _, u := range todo {
			line += " " + shellQuote(u.Label)
		}
	}
	if restart {
		line += " --restart"
	}
	return sudo(h, line)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// installMac runs the install under the output watch and returns its
// output. A connection that drops after "Done." is the restart.
func installMac(ctx context.Context, x *Exec, p book.Params, line string, total int) (string, error) {
	x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Total: total})
	w := newInstallWatch(ctx, p.Duration("output_timeout", DefaultOutputTimeout), ownerPrompt)
	defer w.stop()
	err := x.Session.Run(w.ctx, x.command(line), teeWriter(x.Stdout, w), teeWriter(x.Stderr, w))
	output := w.text()
	if ownerPrompt(output) {
		x.Report.Decision("needs-owner-credentials", "softwareupdate waits for a volume owner's password, which SSH cannot give")
		return output, fmt.Errorf("host %s: softwareupdate %w for updates that restart an Apple silicon Mac; install them through MDM or with the owner present",
			x.Host.Name, macos.ErrNeedsOwnerCredentials)
	}
	if w.stalled() {
		return output, fmt.Errorf("softwareupdate printed nothing for %s and was stopped; it may wait for input, so check the Mac's screen or raise output_timeout", w.idle)
	}
	code, err := exitStatus(err)
	if err != nil && !(remote.KindOf(err) == remote.KindConnectionLost && strings.Contains(output, "Done.")) {
		return output, err
	}
	if code != 0 {
		return output, fmt.Errorf("softwareupdate --install exited with status %d: %s", code, truncate(strings.TrimSpace(output), 300))
	}
	return output, nil
}

// ownerPrompt reports whether softwareupdate's output shows that it
// waits for a volume owner.
func ownerPrompt(output string) bool {
	_, err := macos.ParseInstall(output)
	return errors.Is(err, macos.ErrNeedsOwnerCredentials)
}

// exitStatus splits the error of Session.Run into an exit status and a
// failure other than a non-zero exit.
func exitStatus(err error) (int, error) {
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// macResults records every update the output names as installed.
func macResults(x *Exec, todo []macos.Update, output string) {
	res, _ := macos.ParseInstall(output)
	for _, u := range todo {
		if containsString(res.Installed, u.Title) || containsString(res.Installed, u.Label) {
			x.Installed = append(x.Installed, u.Label)
			x.Report.UpdateResult(event.UpdateResult{Update: u.Label, Title: u.Title, ResultCode: "succeeded"})
			if u.Restart && strings.HasPrefix(u.Title, "macOS ") {
				x.Facts[factMacTarget] = u.Version
			}
			continue
		}
		x.Report.UpdateResult(event.UpdateResult{Update: u.Label, Title: u.Title + ": not in softwareupdate's Installed lines", ResultCode: "unknown"})
	}
}

// waitMacRestart waits for the restart that --restart started and reads
// the facts after it, the way the reboot action does.
func waitMacRestart(ctx context.Context, x *Exec, before string) error {
	plat, err := PlatformOf(x.Host)
	if err != nil {
		return err
	}
	x.Reboots++
	x.Report.Status(event.HostState{Phase: event.PhaseRebooting})
	x.Session.Close()
	if err := waitBack(ctx, x, plat, before, rebootTimeout(x, plat)); err != nil {
		return err
	}
	return settle(ctx, x, plat)
}

// macVerify checks with sw_vers that the Mac runs the macOS version of
// the OS update that macos.update installed in this run. It only reads,
// and passes when no OS update was installed or its restart is still
// pending.
type macVerify struct{ spec }

func (macVerify) Name() string { return "macos.verify" }

func (macVerify) Run(ctx context.Context, x *Exec, _ book.Params) error {
	f := Facts{}
	if err := readSwVers(ctx, x, f); err != nil {
		return err
	}
	x.Facts.Merge(f)
	want := x.Facts.Text(factMacTarget)
	switch {
	case want == "":
		x.Report.Decision("verify", "no macOS update was installed in this run; the Mac runs "+f.Text(FactOS))
		return nil
	case x.Facts.Bool(FactRebootPending):
		x.Report.Decision("verify", "macOS "+want+" takes effect at the pending restart")
		return nil
	case !strings.HasSuffix(f.Text(FactOS), " "+want):
		return fmt.Errorf("host %s runs %s after the restart, expected macOS %s; check softwareupdate --history on the Mac", x.Host.Name, f.Text(FactOS), want)
	}
	x.Report.Decision("verify", "the Mac runs "+f.Text(FactOS)+" "+f.Text(FactBuild)+" as expected")
	return nil
}
