package emergency

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"patchbay/state"
	"patchbay/state/event"
)

var declaredAt = time.Date(2024, 2, 14, 9, 30, 0, 0, time.UTC)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	return loc
}

func sampleDeclaration(t *testing.T) Declaration {
	return Declaration{
		ID:       "EMG-20240214-1",
		CVEs:     []CVE{{ID: "CVE-2024-21412", Name: "Microsoft Windows Internet Shortcut Files Security Feature Bypass Vulnerability", Added: time.Date(2024, 2, 13, 0, 0, 0, 0, time.UTC)}},
		Reason:   "exploited by DarkMe campaign",
		Playbook: "windows-cumulative",
		Controls: []string{"block .url attachments at the mail gateway"},
		Now:      declaredAt,
		Deadline: 72 * time.Hour,
		Sites: []Site{
			{ID: "clinic-a", Name: "Clinic A", TimeZone: berlin(t), Contacts: []Contact{{Name: "Dr. Rivera", Email: "rivera@clinic-a.example"}}, Hosts: []string{"ws-a1", "srv-a"}},
			{ID: "clinic-b", Hosts: []string{"ws-b1"}},
		},
	}
}

// journal appends events to a fresh journal and returns the replayed
// emergencies, so the tests run against the real store.
func journal(t *testing.T, batches ...[]event.Event) []*Emergency {
	t.Helper()
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, events := range batches {
		if _, err := s.Append(ctx, events...); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Records(ctx, state.Filter{Kinds: Kinds})
	if err != nil {
		t.Fatal(err)
	}
	list, err := Replay(recs)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeclareReplay(t *testing.T) {
	events, err := Declare(sampleDeclaration(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want a declaration and 2 notices", len(events))
	}
	list := journal(t, events)
	if len(list) != 1 {
		t.Fatalf("%d emergencies, want 1", len(list))
	}
	e := list[0]
	if strings.Join(e.Hosts, ",") != "ws-a1,srv-a,ws-b1" {
		t.Errorf("Hosts = %v", e.Hosts)
	}
	if !e.Deadline.Equal(declaredAt.Add(72 * time.Hour)) {
		t.Errorf("Deadline = %s, want 72h after declaration", e.Deadline)
	}
	if !e.Declared.Equal(declaredAt) {
		t.Errorf("Declared = %s, want %s", e.Declared, declaredAt)
	}
	if e.Playbook != "windows-cumulative" || e.ZeroDay() {
		t.Errorf("Playbook = %q, want windows-cumulative", e.Playbook)
	}
	if e.KEVAdded.Format(time.DateOnly) != "2024-02-13" {
		t.Errorf("KEVAdded = %s", e.KEVAdded)
	}
	if len(e.Notices) != 2 {
		t.Errorf("%d notices, want one per site", len(e.Notices))
	}
}

func TestDeclaredDecodesAsEventEmergency(t *testing.T) {
	events, err := Declare(sampleDeclaration(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Append(context.Background(), events[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := recs[0].Decode()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := p.(event.Emergency)
	if !ok || e.ID != "EMG-20240214-1" || len(e.Hosts) != 3 {
		t.Errorf("Decode() = %#v, want the event.Emergency fields", p)
	}
}

func TestNoticeText(t *testing.T) {
	d := sampleDeclaration(t)
	text := NoticeText(d, d.Sites[0])
	for _, want := range []string{
		"Subject: Emergency security patching at Clinic A (EMG-20240214-1)",
		"Dear Dr. Rivera",
		"CVE-2024-21412: Microsoft Windows Internet Shortcut",
		"(2): ws-a1, srv-a.",
		"Deadline: Sat 17 Feb 2024 10:30 CET.",
		"business hours",
		"block .url attachments",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("notice lacks %q:\n%s", want, text)
		}
	}
	if other := NoticeText(d, d.Sites[1]); !strings.Contains(other, "Hello,") || !strings.Contains(other, "UTC") {
		t.Errorf("notice without contacts or zone:\n%s", other)
	}
}

func TestDeclareRejects(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Declaration)
		want   string
	}{
		{"bad cve", func(d *Declaration) { d.CVEs = []CVE{{ID: "CVE-24-1"}} }, `"CVE-24-1" is not a CVE ID`},
		{"no cve", func(d *Declaration) { d.CVEs = nil }, "no CVE given"},
		{"zero deadline", func(d *Declaration) { d.Deadline = 0 }, "deadline 0s is not positive"},
		{"zero-day without controls", func(d *Declaration) { d.Playbook, d.Controls = "", nil }, "needs its compensating controls"},
		{"no hosts", func(d *Declaration) { d.Sites = nil }, "no affected hosts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := sampleDeclaration(t)
			tc.modify(&d)
			events, err := Declare(d)
			if events != nil {
				t.Errorf("Declare returned %d events, want none", len(events))
			}
			if !errors.Is(err, ErrInvalidDeclaration) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidDeclaration containing %q", err, tc.want)
			}
		})
	}
}

func TestZeroDayAttachRun(t *testing.T) {
	d := sampleDeclaration(t)
	d.Playbook = ""
	declared, err := Declare(d)
	if err != nil {
		t.Fatal(err)
	}
	e := journal(t, declared)[0]
	if !e.ZeroDay() {
		t.Fatal("emergency without playbook is not a zero-day")
	}
	if _, err := e.RunRequest(); !errors.Is(err, ErrNotRunnable) {
		t.Fatalf("RunRequest err = %v, want ErrNotRunnable", err)
	}
	attach, err := Attach(e, "windows-cumulative", declaredAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e = journal(t, declared, []event.Event{attach})[0]
	req, err := e.RunRequest()
	if err != nil {
		t.Fatalf("RunRequest after attach: %v", err)
	}
	if req.Playbook != "windows-cumulative" || req.CycleKind != event.CycleEmergency || req.CycleID != e.ID {
		t.Errorf("RunRequest = %+v", req)
	}
	if !req.BusinessHours {
		t.Error("BusinessHours = false after the notices were journaled")
	}
}

func TestPatchedCloseTimes(t *testing.T) {
	declared, err := Declare(sampleDeclaration(t))
	if err != nil {
		t.Fatal(err)
	}
	first := declaredAt.Add(5 * time.Hour)
	last := declaredAt.Add(30 * time.Hour)
	progress := []event.Event{
		Patched("EMG-20240214-1", "ws-a1", "run-1", first),
		Patched("EMG-20240214-1", "ws-a1", "run-2", first.Add(time.Hour)), // retried, first time kept
		Patched("EMG-20240214-1", "srv-a", "run-1", last),
	}
	e := journal(t, declared, progress)[0]
	if !e.FirstPatched().Equal(first) || !e.LastPatched().Equal(last) {
		t.Errorf("FirstPatched, LastPatched = %s, %s, want %s, %s", e.FirstPatched(), e.LastPatched(), first, last)
	}
	req, _ := e.RunRequest()
	if strings.Join(req.Hosts, ",") != "ws-b1" {
		t.Errorf("RunRequest hosts = %v, want only the unpatched ws-b1", req.Hosts)
	}

	clock := e.Clock("clinic-a", berlin(t), []string{"ws-a1", "srv-a"}, declaredAt.Add(80*time.Hour))
	if clock.Patched != 2 || clock.Total != 2 || clock.Overdue() {
		t.Errorf("clinic-a clock = %+v, want 2 of 2 and not overdue", clock)
	}
	clock = e.Clock("clinic-b", nil, []string{"ws-b1"}, declaredAt.Add(80*time.Hour))
	if !clock.Overdue() || clock.Remaining != -8*time.Hour {
		t.Errorf("clinic-b clock = %+v, want overdue by 8h", clock)
	}

	if _, err := Close(e, Closing{Operator: "ana", Now: declaredAt.Add(31 * time.Hour)}); !errors.Is(err, ErrReasonRequired) {
		t.Errorf("Close without reason and ws-b1 unpatched: err = %v, want ErrReasonRequired", err)
	}
	closing, err := Close(e, Closing{Reason: "ws-b1 retired", Operator: "ana", OperatorName: "Ana Diaz", Now: declaredAt.Add(31 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	e = journal(t, declared, progress, []event.Event{closing})[0]
	if e.Open() || e.CloseReason != "ws-b1 retired" {
		t.Errorf("after close: open %v, reason %q", e.Open(), e.CloseReason)
	}
	if e.ClosedBy != "ana (Ana Diaz)" {
		t.Errorf("ClosedBy = %q, want the OS user and the operator name", e.ClosedBy)
	}
	if _, err := Close(e, Closing{Reason: "again", Now: declaredAt.Add(32 * time.Hour)}); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close err = %v, want ErrClosed", err)
	}
	if _, err := e.RunRequest(); !errors.Is(err, ErrClosed) {
		t.Errorf("RunRequest on closed err = %v, want ErrClosed", err)
	}
}

func TestCloseAllPatchedWithoutReason(t *testing.T) {
	declared, err := Declare(sampleDeclaration(t))
	if err != nil {
		t.Fatal(err)
	}
	var progress []event.Event
	for _, h := range []string{"ws-a1", "srv-a", "ws-b1"} {
		progress = append(progress, Patched("EMG-20240214-1", h, "run-1", declaredAt.Add(time.Hour)))
	}
	e := journal(t, declared, progress)[0]
	if _, err := Close(e, Closing{Operator: "ana", Now: declaredAt.Add(2 * time.Hour)}); err != nil {
		t.Errorf("Close with every host patched: %v, want no reason needed", err)
	}
}

func TestWindowsFixesRunRequest(t *testing.T) {
	d := sampleDeclaration(t)
	d.WindowsFixes = []event.WindowsFix{
		{Host: "ws-a1", CVE: "CVE-2024-21412", KB: "KB5034763", FixedBuild: "10.0.19045.4046"},
		{Host: "srv-a", CVE: "CVE-2024-21412", KB: "KB5034770", FixedBuild: "10.0.20348.2322"},
		{Host: "ws-b1", CVE: "CVE-2024-21412", Missing: "the OS build is unknown"},
	}
	declared, err := Declare(d)
	if err != nil {
		t.Fatal(err)
	}
	patched := Patched("EMG-20240214-1", "srv-a", "run-1", declaredAt.Add(time.Hour))
	e := journal(t, declared, []event.Event{patched})[0]
	if len(e.WindowsFixes) != 3 {
		t.Fatalf("replayed %d Windows fixes, want 3", len(e.WindowsFixes))
	}

	req, err := e.RunRequest()
	if err != nil {
		t.Fatal(err)
	}

	if got := strings.Join(req.KBs, ","); got != "KB5034763" {
		t.Errorf("KBs = %s, want only the KB of the unpatched ws-a1", got)
	}
	if got := strings.Join(req.FixedBuilds, ","); got != "10.0.19045.4046" {
		t.Errorf("FixedBuilds = %s, want ws-a1's", got)
	}
	if reason := req.MissingKB["ws-b1"]; !strings.Contains(reason, "the OS build is unknown") || !strings.Contains(reason, "--var kbs") {
		t.Errorf("MissingKB[ws-b1] = %q, want the reason and the fix", reason)
	}
	if _, ok := req.MissingKB["ws-a1"]; ok {
		t.Error("ws-a1 has a KB but is listed as missing one")
	}
}

func TestReplayDeclarationWithoutFixes(t *testing.T) {
	// A declaration journaled before Windows fixes were recorded.
	old := `{"id":"EMG-20240214-1","cves":["CVE-2024-21412"],"reason":"r","deadline":"2024-02-16T09:30:00Z","hosts":["ws-a1"],"playbook":"windows-emergency"}`
	list, err := Replay([]event.Record{{Seq: 1, Time: declaredAt, Kind: event.KindEmergency, Payload: []byte(old)}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := list[0].RunRequest()
	if err != nil {
		t.Fatal(err)
	}
	if len(req.KBs) != 0 || len(req.MissingKB) != 0 {
		t.Errorf("old record: KBs %v, missing %v, want none", req.KBs, req.MissingKB)
	}
}

func TestNextID(t *testing.T) {
	list := []*Emergency{{ID: "EMG-20240214-1"}, {ID: "EMG-20240213-1"}}
	if got := NextID(list, declaredAt); got != "EMG-20240214-2" {
		t.Errorf("NextID = %q, want EMG-20240214-2", got)
	}
	if _, err := Find(list, "EMG-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find(unknown) err = %v, want ErrNotFound", err)
	}
}
