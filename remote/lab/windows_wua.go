package lab

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// wuTaskName is the scheduled task patchbay registers for Windows Update,
// and wuDownloadTaskName the one that only downloads.
const (
	wuTaskName         = "patchbay-windows-update"
	wuDownloadTaskName = "patchbay-windows-download"
)

// factWUDownloaded lists the pending updates that an update task has
// downloaded, comma-separated, as the WUA's IUpdate.IsDownloaded reports
// them.
const factWUDownloaded = "wu-downloaded"

// wuEventDelay is the lab time between two progress lines of the update
// task.
const wuEventDelay = 20 * time.Millisecond

// HRESULTs the Windows personalities return.
const (
	hrAccessDenied      = "0x80070005" // E_ACCESSDENIED
	hrInstallNotAllowed = "0x80240016" // WU_E_INSTALL_NOT_ALLOWED
	hrNameNotResolved   = "0x8024402C" // WU_E_PT_WINHTTP_NAME_NOT_RESOLVED
	hrSuccess           = "0x00000000"
)

// WUA OperationResultCode values the task writes.
const (
	orcSucceeded           = 2
	orcSucceededWithErrors = 3
	orcFailed              = 4
)

// systemAccounts are the names a task principal may give for SYSTEM.
var systemAccounts = []string{"SYSTEM", `NT AUTHORITY\SYSTEM`, "S-1-5-18"}

// isDirectWUACall matches a script that downloads or installs updates
// through the WUA COM API in the remote session itself.
func isDirectWUACall(script string) bool {
	return strings.Contains(script, "Microsoft.Update.Session") &&
		(strings.Contains(script, ".Download()") || strings.Contains(script, ".Install()")) &&
		!strings.Contains(script, "Register-ScheduledTask")
}

// directWUACall fails as the WUA does for a remote logon session: the
// search works, the download or install raises E_ACCESSDENIED.
func (p *windowsPersonality) directWUACall(x *Exec, script string) int {
	method := "Download"
	if i, j := strings.Index(script, ".Install()"), strings.Index(script, ".Download()"); i >= 0 && (j < 0 || i < j) {
		method = "Install"
	}
	fmt.Fprintf(x.Stderr, "Exception calling %q with \"0\" argument(s): \"Exception from HRESULT: %s (E_ACCESSDENIED)\"\r\n"+
		"    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException\r\n"+
		"    + FullyQualifiedErrorId : ComMethodTargetInvocation\r\n", method, hrAccessDenied)
	return 1
}

// wuTask is the update task as the registering script describes it.
type wuTask struct {
	name         string
	user         string
	progress     string
	categories   []string
	exclude      []string
	only         []string // the named KBs, or empty for all
	downloadOnly bool     // the worker sets $downloadOnly = $true
}

var (
	taskNamePattern   = regexp.MustCompile(`-TaskName\s+'([^']+)'`)
	taskUserPattern   = regexp.MustCompile(`-UserId\s+'([^']+)'`)
	progressPattern   = regexp.MustCompile(`\$progress\s*=\s*'([^']+)'`)
	categoriesPattern = regexp.MustCompile(`\$categories\s*=\s*@\(([^)]*)\)`)
	excludePattern    = regexp.MustCompile(`\$exclude\s*=\s*@\(([^)]*)\)`)
	onlyPattern       = regexp.MustCompile(`\$only\s*=\s*@\(([^)]*)\)`)
	downloadPattern   = regexp.MustCompile(`(?m)^\$downloadOnly\s*=\s*\$(true|false)\s*$`)
	quotedPattern     = regexp.MustCompile(`'((?:[^']|'')*)'`)
)

func parseWUTask(script string) (wuTask, error) {
	t := wuTask{name: firstGroup(taskNamePattern, script), user: firstGroup(taskUserPattern, script),
		progress: firstGroup(progressPattern, script)}
	if t.name == "" || t.progress == "" {
		return t, fmt.Errorf("the task script names no -TaskName or no $progress file")
	}
	t.categories = quotedList(firstGroup(categoriesPattern, script))
	t.exclude = quotedList(firstGroup(excludePattern, script))
	t.only = quotedList(firstGroup(onlyPattern, script))
	t.downloadOnly = firstGroup(downloadPattern, script) == "true"
	return t, nil
}

func firstGroup(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func quotedList(s string) []string {
	var out []string
	for _, m := range quotedPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.ReplaceAll(m[1], "''", "'"))
	}
	return out
}

// registerTask registers the update task and starts it, unless it runs
// already and the script requests to attach to a running task.
func (p *windowsPersonality) registerTask(x *Exec, script string) int {
	t, err := parseWUTask(script)
	if err != nil {
		fmt.Fprintf(x.Stderr, "Register-ScheduledTask : %v\r\n", err)
		return 1
	}
	running := false
	x.Host.View(func(s *State) { running = s.Facts[factTaskState+t.name] == "Running" })
	if running && strings.Contains(script, "-eq 'Running'") {
		fmt.Fprint(x.Stdout, "{\"attached\":true}\r\n")
		return 0
	}
	x.Host.Change(func(s *State) {
		s.Facts[factTaskState+t.name] = "Ready"
		s.Facts[factTaskUser+t.name] = t.user
		delete(s.Files, t.progress)
	})
	if strings.Contains(script, "Start-ScheduledTask") {
		startWUTask(x.Host, t)
	}
	fmt.Fprint(x.Stdout, "{\"attached\":false}\r\n")
	return 0
}

// taskProgress prints the task's state read first, then the progress
// lines after the number the script skips, then the state as the last
// line, as the tail script does.
func (p *windowsPersonality) taskProgress(x *Exec, script string) int {
	name := firstGroup(taskNamePattern, script)
	path := firstGroup(regexp.MustCompile(`Get-Content\s+-LiteralPath\s+'([^']+)'`), script)
	skip, _ := strconv.Atoi(firstGroup(regexp.MustCompile(`Select-Object\s+-Skip\s+(\d+)`), script))
	var state string
	var data []byte
	x.Host.View(func(s *State) {
		state = s.Facts[factTaskState+name]
		data = slices.Clone(s.Files[path])
	})
	if state == "" {
		state = "Missing"
	}
	lines := strings.SplitAfter(string(data), "\n")
	for i, line := range lines {
		if i >= skip && line != "" {
			fmt.Fprint(x.Stdout, line)
		}
	}
	fmt.Fprintf(x.Stdout, "{\"task_state\":%q}\r\n", state)
	return 0
}

// wuLine is one progress line the task writes, as ConvertTo-Json
// -Compress prints its hashtable.
type wuLine struct {
	Event   string `json:"event"`
	KB      string `json:"kb,omitempty"`
	Title   string `json:"title,omitempty"`
	Count   *int   `json:"count,omitempty"`
	Index   int    `json:"index,omitempty"`
	Total   int    `json:"total,omitempty"`
	Percent *int   `json:"percent,omitempty"`
	Result  *int   `json:"result,omitempty"`
	HResult string `json:"hresult,omitempty"`
	Reboot  *bool  `json:"reboot,omitempty"`
	Message string `json:"message,omitempty"`
}

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

// taskRun is one run of the update task: it emits one line per step on
// the host's clock and stops when the host reboots under it.
type taskRun struct {
	h        *Host
	t        wuTask
	boot     time.Time
	steps    []func() bool // each returns false to end the run
	todo     []Update
	failed   int
	firstErr string
	blocked  bool // a reboot was pending when the task started
}

func startWUTask(h *Host, t wuTask) {
	r := &taskRun{h: h, t: t}
	h.changeQuietly(func(s *State) {
		s.Facts[factTaskState+t.name] = "Running"
		r.boot, r.blocked = s.BootTime, s.RebootPending
	})
	r.steps = []func() bool{r.searching, r.search}
	r.next()
}

// next runs the next step after wuEventDelay.
func (r *taskRun) next() {
	r.h.Clock().AfterFunc(wuEventDelay, func() {
		if len(r.steps) == 0 || !r.sameBoot() {
			return
		}
		step := r.steps[0]
		r.steps = r.steps[1:]
		if step() {
			r.next()
			return
		}
		r.h.changeQuietly(func(s *State) { s.Facts[factTaskState+r.t.name] = "Ready" })
	})
}

func (r *taskRun) sameBoot() bool {
	same := false
	r.h.View(func(s *State) { same = s.BootTime.Equal(r.boot) && r.h.online })
	return same
}

// emit appends one progress line to the task's file.
func (r *taskRun) emit(l wuLine) {
	line, _ := json.Marshal(l)
	r.h.changeQuietly(func(s *State) {
		s.Files[r.t.progress] = append(s.Files[r.t.progress], append(line, '\r', '\n')...)
	})
}

func (r *taskRun) finish(result int, hresult, message string) bool {
	r.emit(wuLine{Event: "done", Result: intp(result), HResult: hresult, Message: message})
	return false
}

func (r *taskRun) searching() bool {
	r.emit(wuLine{Event: "searching"})
	return true
}

// search selects the pending updates in the task's categories that are
// not excluded, or fails as an unreachable update source does.
func (r *taskRun) search() bool {
	s := r.h.Snapshot()
	if code := r.h.Faults().UpdateFailCode(); code != "" && isTransientCode(code) {
		return r.finish(orcFailed, code, "the update source could not be reached")
	}
	if n, _ := strconv.Atoi(s.Facts[factWUUnreachable]); n > 0 {
		r.h.changeQuietly(func(s *State) { s.Facts[factWUUnreachable] = strconv.Itoa(n - 1) })
		return r.finish(orcFailed, hrNameNotResolved, "the update source could not be reached")
	}
	for _, u := range s.Pending {
		switch {
		case slices.Contains(r.t.exclude, u.ID):
			r.emit(wuLine{Event: "excluded", KB: u.ID, Title: u.Title})
		case len(r.t.only) > 0 && !slices.Contains(r.t.only, u.ID):
			r.emit(wuLine{Event: "skipped", KB: u.ID, Title: u.Title, Message: "not a named KB"})
		case len(r.t.categories) > 0 && !slices.Contains(r.t.categories, u.Source):
			r.emit(wuLine{Event: "skipped", KB: u.ID, Title: u.Title, Message: "category " + u.Source})
		default:
			r.todo = append(r.todo, u)
		}
	}
	r.emit(wuLine{Event: "found", Count: intp(len(r.todo))})
	if len(r.todo) == 0 {
		return r.finish(orcSucceeded, hrSuccess, "")
	}
	if !slices.Contains(systemAccounts, strings.ToUpper(r.t.user)) {
		return r.finish(orcFailed, hrAccessDenied, "Exception from HRESULT: 0x80070005 (E_ACCESSDENIED)")
	}
	for i := range r.todo {
		r.steps = append(r.steps, r.download(i))
	}
	if r.t.downloadOnly {
		r.steps = append(r.steps, r.done)
		return true
	}
	for i := range r.todo {
		r.steps = append(r.steps, r.install(i), r.result(i))
	}
	r.steps = append(r.steps, r.done)
	return true
}

// download downloads update i, or reports it downloaded earlier. A
// download-only task also writes the update's download result.
func (r *taskRun) download(i int) func() bool {
	return func() bool {
		u := r.todo[i]
		if isDownloaded(r.h.Snapshot(), u.ID) {
			r.emit(wuLine{Event: "already-downloaded", KB: u.ID, Title: u.Title})
			return true
		}
		r.h.changeQuietly(func(s *State) { markDownloaded(s, u.ID) })
		r.emit(wuLine{Event: "downloading", KB: u.ID, Percent: intp((i + 1) * 100 / len(r.todo))})
		if r.t.downloadOnly {
			r.emit(wuLine{Event: "downloaded", KB: u.ID, Title: u.Title, Result: intp(orcSucceeded), HResult: hrSuccess})
		}
		return true
	}
}

func isDownloaded(s State, id string) bool {
	return slices.Contains(strings.Split(s.Facts[factWUDownloaded], ","), id)
}

func markDownloaded(s *State, id string) {
	ids := strings.Split(s.Facts[factWUDownloaded], ",")
	ids = slices.DeleteFunc(ids, func(v string) bool { return v == "" || v == id })
	s.Facts[factWUDownloaded] = strings.Join(append(ids, id), ",")
}

// forgetDownloaded drops an installed update from the downloaded list.
func forgetDownloaded(s *State, id string) {
	ids := slices.DeleteFunc(strings.Split(s.Facts[factWUDownloaded], ","), func(v string) bool { return v == "" || v == id })
	s.Facts[factWUDownloaded] = strings.Join(ids, ",")
}

func (r *taskRun) install(i int) func() bool {
	return func() bool {
		if r.blocked {
			return r.finish(orcFailed, hrInstallNotAllowed, "Exception from HRESULT: 0x80240016")
		}
		r.emit(wuLine{Event: "installing", KB: r.todo[i].ID, Title: r.todo[i].Title, Index: i + 1, Total: len(r.todo)})
		return true
	}
}

// result installs update i, or fails it with its own code or the
// update-fails fault's, which hits the first update of the run.
func (r *taskRun) result(i int) func() bool {
	return func() bool {
		u := r.todo[i]
		code := u.FailCode
		if f := r.h.Faults().UpdateFailCode(); f != "" && i == 0 {
			code = f
		}
		if code != "" {
			r.failed++
			if r.firstErr == "" {
				r.firstErr = code
			}
			r.emit(wuLine{Event: "result", KB: u.ID, Title: u.Title, Result: intp(orcFailed), HResult: code, Reboot: boolp(false)})
			return true
		}
		r.h.changeQuietly(func(s *State) {
			s.Install(u, "CBS RebootPending, WindowsUpdate RebootRequired")
			forgetDownloaded(s, u.ID)
			if u.NeedsReboot {
				s.Facts[factPendingRename] = "1"
			}
		})
		r.emit(wuLine{Event: "result", KB: u.ID, Title: u.Title, Result: intp(orcSucceeded), HResult: hrSuccess, Reboot: boolp(u.NeedsReboot)})
		return true
	}
}

func (r *taskRun) done() bool {
	switch {
	case r.failed == 0:
		return r.finish(orcSucceeded, hrSuccess, "")
	case r.failed == len(r.todo):
		return r.finish(orcFailed, r.firstErr, "")
	}
	return r.finish(orcSucceededWithErrors, r.firstErr, "")
}

// isTransientCode reports whether an HRESULT means the update source was
// not reached (WU_E_PT_* and WinHTTP errors), which fails the search.
func isTransientCode(code string) bool {
	code = normalizeHRESULT(code)
	return strings.HasPrefix(code, "0x8024402") || strings.HasPrefix(code, "0x80244") || strings.HasPrefix(code, "0x80072E")
}

// changeQuietly changes the state the way a task running on the host
// does: the change belongs to the command that started the task, so it
// does not mark the commands that run meanwhile as changing.
func (h *Host) changeQuietly(fn func(s *State)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(&h.state)
}

// SetUpdateSourceUnreachable makes the next n update searches of the
// Windows host h fail as if the update source were unreachable
// (WU_E_PT_WINHTTP_NAME_NOT_RESOLVED), after which they succeed again.
func SetUpdateSourceUnreachable(h *Host, n int) {
	h.Change(func(s *State) { s.Facts[factWUUnreachable] = strconv.Itoa(n) })
}

// UpdateTaskState returns the state of the Windows Update task on h:
// "Running", "Ready", or "" when it was never registered.
func UpdateTaskState(h *Host) string {
	state := ""
	h.View(func(s *State) { state = s.Facts[factTaskState+wuTaskName] })
	return state
}

// DownloadedUpdates returns the pending updates that an update task on
// the Windows host h has downloaded and not installed, in download order.
func DownloadedUpdates(h *Host) []string {
	var ids []string
	h.View(func(s *State) {
		for _, id := range strings.Split(s.Facts[factWUDownloaded], ",") {
			if id != "" {
				ids = append(ids, id)
			}
		}
	})
	return ids
}
