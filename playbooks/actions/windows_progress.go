package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"patchbay/inventory"
	"patchbay/playbooks/parse/windows"
	"patchbay/state/event"
)

// wuProgressLine is one JSON line the update worker writes.
type wuProgressLine struct {
	Event   string `json:"event"`
	KB      string `json:"kb"`
	Title   string `json:"title"`
	Count   int    `json:"count"`
	Index   int    `json:"index"`
	Total   int    `json:"total"`
	Percent int    `json:"percent"`
	Result  int    `json:"result"`
	HResult string `json:"hresult"`
	Reboot  bool   `json:"reboot"`
	Message string `json:"message"`
}

// splitProgress separates the progress lines from the task state line
// that the progress script prints last. Lines that are not JSON, such as
// a byte order mark or a blank line, are dropped.
func splitProgress(out string) (lines []wuProgressLine, state string) {
	state = "Missing"
	for _, raw := range strings.Split(out, "\n") {
		raw = strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		if !strings.HasPrefix(raw, "{") {
			continue
		}
		var st struct {
			TaskState *string `json:"task_state"`
		}
		if json.Unmarshal([]byte(raw), &st) == nil && st.TaskState != nil {
			state = *st.TaskState
			continue
		}
		var l wuProgressLine
		if json.Unmarshal([]byte(raw), &l) == nil && l.Event != "" {
			lines = append(lines, l)
		}
	}
	return lines, state
}

// wuTally follows the progress lines and records each update's result.
type wuTally struct {
	x            *Exec
	holds        map[string]*inventory.Hold
	downloadOnly bool     // the task downloads and installs nothing
	failed       []string // "KB… 0x… SYMBOL: message"
	done         *wuProgressLine
	// named are the KBs of a named_only step and fixedBuilds the builds
	// that contain their fix, for the case that none of them is pending.
	named       []string
	fixedBuilds []string
	// foundCount is the number of updates the task selected, or -1
	// before its "found" line.
	foundCount int
}

func (t *wuTally) handle(l wuProgressLine) {
	switch l.Event {
	case "searching":
		t.x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	case "excluded":
		t.x.Report.UpdateResult(event.UpdateResult{Update: l.KB, Title: t.holdTitle(l), ResultCode: "held"})
	case "skipped":
		t.x.Report.Decision("update-skipped", fmt.Sprintf("%s (%s): %s", l.KB, l.Title, l.Message))
	case "found":
		t.foundCount = l.Count
		t.x.Report.Status(event.HostState{Phase: event.PhaseDownloading, Total: l.Count})
	case "downloading":
		t.x.Report.Status(event.HostState{Phase: event.PhaseDownloading, Percent: l.Percent})
	case "already-downloaded":
		t.x.Report.Decision("download-skipped", fmt.Sprintf("%s (%s) was downloaded earlier, so the task does not download it again", l.KB, l.Title))
	case "downloaded":
		t.downloaded(l)
	case "installing":
		t.x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Index: l.Index, Total: l.Total})
	case "result":
		t.result(l)
	case "done":
		t.done = &l
	}
}

func (t *wuTally) holdTitle(l wuProgressLine) string {
	if h := t.holds[strings.ToUpper(l.KB)]; h != nil {
		return fmt.Sprintf("held by hold %s: %s", h.ID, h.Reason)
	}
	return "excluded by the step: " + l.Title
}

func (t *wuTally) result(l wuProgressLine) {
	r := event.UpdateResult{Update: l.KB, Title: l.Title, ResultCode: resultName(l.Result), HResult: l.HResult, Reboot: l.Reboot}
	t.x.Report.UpdateResult(r)
	if windows.OperationResultCode(l.Result) == windows.Succeeded {
		t.x.Installed = append(t.x.Installed, l.KB)
		return
	}
	t.failed = append(t.failed, l.KB+" "+decodeWU(l.HResult))
}

// downloaded records the download result of one update of a download_only
// task: "downloaded" when it succeeded.
func (t *wuTally) downloaded(l wuProgressLine) {
	r := event.UpdateResult{Update: l.KB, Title: l.Title, ResultCode: "downloaded", HResult: l.HResult}
	if windows.OperationResultCode(l.Result) != windows.Succeeded {
		r.ResultCode = resultName(l.Result)
		t.failed = append(t.failed, l.KB+" "+decodeWU(l.HResult))
	}
	t.x.Report.UpdateResult(r)
}

// resultName maps an OperationResultCode to the journal's result names.
func resultName(code int) string {
	switch windows.OperationResultCode(code) {
	case windows.Succeeded:
		return "succeeded"
	case windows.SucceededWithErrors:
		return "succeeded-with-errors"
	case windows.Failed:
		return "failed"
	case windows.Aborted:
		return "aborted"
	}
	if _, meaning, ok := windows.OperationResult(code); ok {
		return strings.ToLower(strings.ReplaceAll(meaning, " ", "-"))
	}
	return fmt.Sprintf("result-%d", code)
}

// win32Codes are HRESULTs outside the WUA table that update installs
// report (FACILITY_WIN32 errors from winerror.h).
var win32Codes = map[uint32]string{
	0x80070005: "E_ACCESSDENIED: Access is denied; the WUA refuses downloads and installs outside a SYSTEM task",
	0x80070643: "ERROR_INSTALL_FAILURE: Fatal error during installation",
	0x80070070: "ERROR_DISK_FULL: There is not enough space on the disk",
}

// decodeWU returns an HRESULT with its symbol and message.
func decodeWU(text string) string {
	code, err := windows.ParseHRESULT(text)
	if err != nil {
		return text
	}
	if msg, ok := win32Codes[code]; ok {
		return fmt.Sprintf("0x%08X %s", code, msg)
	}
	return windows.DecodeHRESULT(code).Error()
}

// finish turns the final line into the step's outcome and, after an
// install, reads the pending-reboot state for the reboot step.
func (t *wuTally) finish(ctx context.Context) error {
	d := t.done
	code, _ := windows.ParseHRESULT(d.HResult)
	if windows.OperationResultCode(d.Result) == windows.Failed && len(t.failed) == 0 {
		return t.failedRun(code, d)
	}
	if !t.downloadOnly {
		if err := t.readRebootState(ctx); err != nil {
			return err
		}
	}
	if len(t.failed) > 0 && t.downloadOnly {
		return fmt.Errorf("%d download(s) failed: %s", len(t.failed), strings.Join(t.failed, "; "))
	}
	if len(t.failed) > 0 {
		return fmt.Errorf("%d update(s) failed: %s", len(t.failed), strings.Join(t.failed, "; "))
	}
	if len(t.named) > 0 && t.foundCount == 0 && !t.downloadOnly {
		return checkNothingPending(t.x, t.named, t.fixedBuilds)
	}
	return nil
}

// failedRun explains a run that failed before any update result: the
// search, the download or the install call itself.
func (t *wuTally) failedRun(code uint32, d *wuProgressLine) error {
	decoded := decodeWU(d.HResult)
	err := fmt.Errorf("Windows Update failed: %s", decoded)
	switch {
	case code == 0x80240016:
		return fmt.Errorf("%w: %w", err, errInstallNotAllowed)
	case windows.DecodeHRESULT(code).Transient:
		// The step's retries decide whether a retry follows, so the error
		// states only that one may help.
		return Transient(fmt.Errorf("Windows Update failed: %s, a failure that may clear on a retry "+
			"(check the host's connection to its update source if it persists)", strings.TrimSuffix(decoded, ".")))
	}
	return err
}

// readRebootState rereads the facts so that the pending-reboot keys, not
// the WUA's RebootRequired, decide the reboot.
func (t *wuTally) readRebootState(ctx context.Context) error {
	f, err := readWindowsFacts(ctx, t.x)
	if err != nil {
		return fmt.Errorf("read the pending-reboot state after the updates: %w", err)
	}
	t.x.Facts.Merge(f)
	if f.Bool(FactRebootPending) {
		t.x.Report.Decision("reboot-needed", "pending-reboot signals: "+f.Text(FactRebootReason))
	}
	return nil
}
