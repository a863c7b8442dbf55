package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/state/event"
)

// windowsUpdate installs Windows updates through the Windows Update Agent.
//
// The WUA refuses downloads and installs from remote logon sessions, so
// the action registers a one-shot scheduled task that runs a worker
// script as SYSTEM. It then tails the JSON progress lines the worker
// appends to a file: searching, downloading n %, installing k of N, a
// result per update and an overall result. A task still running from an earlier
// attempt is attached to, not started twice. After the task, the reboot
// decision comes from the pending-reboot keys, not from the WUA result.
//
// With download_only the task only downloads, through its own task name,
// so that an install never attaches to a download task. Updates that an
// earlier task downloaded are not downloaded again.
type windowsUpdate struct{ spec }

func init() {
	Register(windowsUpdate{spec{effect: book.Writes, check: checkWindowsUpdateParams}})
}

func (windowsUpdate) Name() string { return "windows.update" }

// defaultCategories are the update classifications a monthly run
// installs when the step names none.
var defaultCategories = []string{"Security Updates", "Critical Updates", "Update Rollups"}

func checkWindowsUpdateParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("categories", "kbs", "exclude", "named_only", "download_only", "fixed_builds")
	probs = append(probs, p.CheckBool("named_only")...)
	probs = append(probs, p.CheckBool("download_only")...)
	for _, name := range []string{"kbs", "exclude"} {
		for _, kb := range splitList(p.List(name)) {
			if !isKB(kb) && !strings.Contains(kb, "${") {
				probs = append(probs, book.ParamProblem{Name: name, Message: fmt.Sprintf("%q is not a KB number such as KB5048652", kb)})
			}
		}
	}
	return probs
}

func isKB(s string) bool {
	digits, ok := strings.CutPrefix(strings.ToUpper(s), "KB")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// splitList splits the elements of a list parameter at commas, so that a
// variable such as kbs=KB5048652,KB5048685 gives two elements.
func splitList(list []string) []string {
	var out []string
	for _, item := range list {
		for _, part := range strings.Split(item, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (windowsUpdate) Run(ctx context.Context, x *Exec, p book.Params) error {
	if !x.Host.Platform.IsWindows() {
		return fmt.Errorf("windows.update on host %s (%s): %w", x.Host.Name, x.Host.Platform, ErrUnsupported)
	}
	if p.Bool("named_only", false) && len(splitList(p.List("kbs"))) == 0 {
		return fmt.Errorf("no KB to install: this step installs only named KBs; declare the emergency with the month's Microsoft document imported (patchbay kev import-msrc), or pass the KBs with --var kbs=KB<number>,KB<number>")
	}
	sel := selection(x, p)
	if x.Facts.Bool(FactRebootPending) && !sel.downloadOnly {
		// Windows would reject the install with WU_E_INSTALL_NOT_ALLOWED.
		// Downloads are allowed while a reboot is pending.
		return fmt.Errorf("%w: a reboot from earlier updates (%s) must finish before Windows installs more",
			ErrRebootPending, x.Facts.Text(FactRebootReason))
	}
	x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	if err := startTask(ctx, x, sel); err != nil {
		return err
	}

	tally := &wuTally{x: x, holds: heldKBs(x), downloadOnly: sel.downloadOnly, named: sel.only,
		fixedBuilds: splitList(p.List("fixed_builds")), foundCount: -1}
	if err := tailTask(ctx, x, tally); err != nil {
		return err
	}
	return tally.finish(ctx)
}

// startTask starts the update task, or attaches to the one still running
// from an earlier attempt.
func startTask(ctx context.Context, x *Exec, sel wuSelection) error {
	out, err := runPowerShell(ctx, x, wuStartScript(sel), false)
	if err != nil {
		return fmt.Errorf("start the update task: %w", err)
	}
	var started struct {
		Attached bool `json:"attached"`
	}
	if err := lastJSONLine(out, &started); err != nil {
		return fmt.Errorf("start the update task: %w", err)
	}
	if started.Attached {
		x.Report.Decision("task-attached", fmt.Sprintf("the task %s still ran from an earlier attempt; following it instead of starting another", wuTaskFiles(sel.downloadOnly).name))
	}
	return nil
}

// selection returns what the task installs or downloads: the named KBs
// only, or the categories; never a held KB.
func selection(x *Exec, p book.Params) wuSelection {
	sel := wuSelection{only: upper(splitList(p.List("kbs"))), downloadOnly: p.Bool("download_only", false)}
	if len(sel.only) == 0 {
		sel.categories = splitList(p.List("categories"))
		if len(sel.categories) == 0 {
			sel.categories = defaultCategories
		}
	}
	for kb := range heldKBs(x) {
		sel.exclude = append(sel.exclude, kb)
	}
	sel.exclude = append(sel.exclude, upper(splitList(p.List("exclude")))...)
	sort.Strings(sel.exclude)
	return sel
}

func upper(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// heldKBs returns the KB holds that apply to the host, by KB number.
func heldKBs(x *Exec) map[string]*inventory.Hold {
	out := map[string]*inventory.Hold{}
	for _, h := range x.Holds {
		if h.Kind == inventory.HoldKB {
			out[strings.ToUpper(h.Item)] = h
		}
	}
	return out
}

// tailTask reads the task's new progress lines every poll interval until
// the worker writes its final line.
func tailTask(ctx context.Context, x *Exec, tally *wuTally) error {
	poll := x.Timing.Poll
	if poll <= 0 {
		poll = DefaultTiming.Poll
	}
	task := wuTaskFiles(tally.downloadOnly)
	for seen := 0; ; {
		out, err := runPowerShell(ctx, x, wuProgressScript(task, seen), true)
		if err != nil {
			return fmt.Errorf("read the update task's progress: %w", err)
		}
		lines, state := splitProgress(out)
		for _, line := range lines {
			seen++
			tally.handle(line)
		}
		if tally.done != nil {
			return nil
		}
		if state != "Running" {
			return fmt.Errorf("the task %s ended (state %s) without a final result; read %s on the host", task.name, state, task.progress)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// errInstallNotAllowed explains WU_E_INSTALL_NOT_ALLOWED, which the WUA
// returns for an install while a reboot is pending.
var errInstallNotAllowed = errors.New("a reboot is pending from an earlier install, so Windows Update installs nothing; reboot the host first (the playbook's reboot step with if_needed)")
