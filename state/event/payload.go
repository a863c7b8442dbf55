package event

import "time"

// CycleKind tells a monthly patch cycle from an emergency one.
type CycleKind string

// The cycle kinds.
const (
	CycleMonthly   CycleKind = "monthly"
	CycleEmergency CycleKind = "emergency"
)

// Override is an operator's decision to bypass a check, with its reason.
type Override struct {
	What   string `json:"what"` // for example "gate production" or "window site-a"
	Reason string `json:"reason"`
}

// RunStarted opens a run. Operator is the OS user; OperatorName is the
// optional name given with --operator.
type RunStarted struct {
	Operator     string     `json:"operator"`
	OperatorName string     `json:"operator_name,omitempty"`
	Playbook     string     `json:"playbook"`
	Selection    string     `json:"selection"`
	Hosts        []string   `json:"hosts,omitempty"`
	Sites        []string   `json:"sites,omitempty"`
	Overrides    []Override `json:"overrides,omitempty"`
	CycleID      string     `json:"cycle_id,omitempty"` // for example "2026-12" or an emergency id
	CycleKind    CycleKind  `json:"cycle_kind,omitempty"`
	ResumeOf     string     `json:"resume_of,omitempty"` // run id this run resumes or retries
}

// RunFinished closes a run. A run without one was interrupted. The counts
// cover only the hosts this run contacted or skipped, never those that
// finished in the run it resumes or retries.
//
// Older records count reboot-pending hosts in Done, and an older resume's
// record also counts the hosts its parent run finished.
type RunFinished struct {
	Done          int  `json:"done"`
	RebootPending int  `json:"reboot_pending,omitempty"`
	Failed        int  `json:"failed"`
	Missed        int  `json:"missed"`
	Skipped       int  `json:"skipped"`
	Aborted       bool `json:"aborted,omitempty"`
	Resumable     bool `json:"resumable,omitempty"`
}

// HostPhase is a step of the per-host state machine.
type HostPhase string

// The host phases, in the order a host normally passes them.
const (
	PhaseConnecting    HostPhase = "connecting"
	PhasePreflight     HostPhase = "preflight"
	PhaseScanning      HostPhase = "scanning"
	PhaseDownloading   HostPhase = "downloading"
	PhaseInstalling    HostPhase = "installing"
	PhaseRebooting     HostPhase = "rebooting"
	PhaseOffline       HostPhase = "offline"
	PhaseSettling      HostPhase = "settling"
	PhaseVerifying     HostPhase = "verifying"
	PhaseDone          HostPhase = "done"
	PhaseFailed        HostPhase = "failed"
	PhaseMissed        HostPhase = "missed"
	PhaseRebootPending HostPhase = "reboot-pending"
	PhaseSkipped       HostPhase = "skipped"
)

// Final reports whether p ends a host's part of a run.
func (p HostPhase) Final() bool {
	switch p {
	case PhaseDone, PhaseFailed, PhaseMissed, PhaseRebootPending, PhaseSkipped:
		return true
	}
	return false
}

// HostState records a host entering a phase. Percent is set while
// downloading; Index and Total while installing update Index of Total.
type HostState struct {
	Phase   HostPhase `json:"phase"`
	Percent int       `json:"percent,omitempty"`
	Index   int       `json:"index,omitempty"`
	Total   int       `json:"total,omitempty"`
	Reason  string    `json:"reason,omitempty"` // why the host failed, was missed or skipped
}

// StepStarted records the start of a playbook step on a host.
type StepStarted struct {
	Step     string `json:"step"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// StepFinished records the end of a step. OutputBytes is the full size of
// its output and StoredBytes the part kept in Output records.
type StepFinished struct {
	Step        string        `json:"step"`
	ExitCode    int           `json:"exit_code"`
	Duration    time.Duration `json:"duration_ns"`
	Changed     bool          `json:"changed"`
	Error       string        `json:"error,omitempty"`
	OutputBytes int64         `json:"output_bytes"`
	StoredBytes int64         `json:"stored_bytes"`
}

// Output is a chunk of a step's output. Offset is the position of Data in
// the stream. Data holds text, and invalid UTF-8 becomes U+FFFD when encoded.
//
// The journal redacts each chunk on its own, so a secret split across two
// chunks would be stored. Pass the output through redact.Stream before
// cutting it into chunks.
type Output struct {
	Step   string `json:"step"`
	Stream string `json:"stream"` // "stdout" or "stderr"
	Offset int64  `json:"offset"`
	Data   string `json:"data"`
}

// Decision records a choice the planner, runner or operator made.
type Decision struct {
	What   string  `json:"what"`   // "skip", "override-window", "override-gate", "budget", "hold"
	Reason string  `json:"reason"` // for example "excepted", "medical device", "window closed"
	Site   string  `json:"site,omitempty"`
	Ring   string  `json:"ring,omitempty"`
	Budget *Budget `json:"budget,omitempty"`
}

// Budget is the failure budget of a site and ring at the time of a decision.
type Budget struct {
	Spent int `json:"spent"`
	Limit int `json:"limit"`
}

// HostFacts is a snapshot of what the runner read from a host.
type HostFacts struct {
	OS            string        `json:"os,omitempty"`
	Build         string        `json:"build,omitempty"` // including the revision, for example "10.0.22631.4602"
	Installed     []string      `json:"installed,omitempty"`
	PendingReboot bool          `json:"pending_reboot"`
	RebootReason  string        `json:"reboot_reason,omitempty"`
	Uptime        time.Duration `json:"uptime_ns,omitempty"`
	FreeDisk      int64         `json:"free_disk_bytes,omitempty"`
	BootTime      time.Time     `json:"boot_time,omitzero"`
}

// UpdateResult is the outcome of one update on a host.
type UpdateResult struct {
	Update     string `json:"update"` // KB number or package name and version
	Title      string `json:"title,omitempty"`
	ResultCode string `json:"result_code"`       // "succeeded", "failed", "succeeded-with-errors", "aborted"
	HResult    string `json:"hresult,omitempty"` // for example "0x80240022"
	Reboot     bool   `json:"reboot_required,omitempty"`
}

// Inventory is a snapshot of the inventory, written only when its hash
// changed. Content is the full canonical inventory document.
type Inventory struct {
	Hash    string `json:"hash"` // hex SHA-256 of Content
	Source  string `json:"source,omitempty"`
	Content string `json:"content"`
}

// Catalogue records the import of a vulnerability catalogue.
type Catalogue struct {
	Name     string    `json:"name"` // "cisa-kev"
	Version  string    `json:"version"`
	Released time.Time `json:"released"`
	Count    int       `json:"count"`
	Added    []string  `json:"added,omitempty"`
	Removed  []string  `json:"removed,omitempty"`
}

// Emergency declares an emergency cycle.
type Emergency struct {
	ID       string    `json:"id"`
	CVEs     []string  `json:"cves,omitempty"`
	Reason   string    `json:"reason"`
	Deadline time.Time `json:"deadline"`
	KEVAdded time.Time `json:"kev_added,omitzero"` // when the CVE joined the catalogue
	Hosts    []string  `json:"hosts,omitempty"`
	// WindowsFixes are the updates that Microsoft's imported documents
	// name for the CVEs on each affected Windows host's product. Records
	// written before this field decode with none.
	WindowsFixes []WindowsFix `json:"windows_fixes,omitempty"`
}

// WindowsFix is the update that fixes one CVE of an emergency on one
// Windows host, as an imported Microsoft security update document gives it.
type WindowsFix struct {
	Host string `json:"host"`
	CVE  string `json:"cve"`
	// KB is the update, such as "KB5034763", or empty when no imported
	// document names one for the host's product.
	KB string `json:"kb,omitempty"`
	// FixedBuild is the first OS build with the fix, such as
	// 10.0.19045.4046, or empty when the document gives none.
	FixedBuild string `json:"fixed_build,omitempty"`
	// Missing is the reason no KB is known, when KB is empty.
	Missing string `json:"missing,omitempty"`
}

// EmergencyPatched records that a host was patched for an emergency.
type EmergencyPatched struct {
	ID  string `json:"id"`
	Run string `json:"run,omitempty"`
}

// EmergencyClosed closes an emergency. Operator is the OS user and
// OperatorName the optional name given with --operator, as in RunStarted.
type EmergencyClosed struct {
	ID           string `json:"id"`
	Reason       string `json:"reason,omitempty"`
	Operator     string `json:"operator,omitempty"`
	OperatorName string `json:"operator_name,omitempty"`
}

// Notice is a message for the operator and the auditor, such as a released
// stale lock.
type Notice struct {
	Level   string `json:"level"` // "info", "warning" or "error"
	Message string `json:"message"`
	Site    string `json:"site,omitempty"`
}

// HoldSet records a hold the runner set, for example on an update that made
// a host loop through reboots. Scope is "all", "site:NAME", "ring:NAME" or
// "host:NAME".
type HoldSet struct {
	Update  string    `json:"update"`
	Reason  string    `json:"reason"`
	Scope   string    `json:"scope"`
	Recheck time.Time `json:"recheck,omitzero"`
}

// HoldCleared lifts a hold the runner set.
type HoldCleared struct {
	Update string `json:"update"`
	Scope  string `json:"scope"`
	Reason string `json:"reason,omitempty"`
}
