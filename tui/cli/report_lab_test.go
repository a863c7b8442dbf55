package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/remote/lab"
	"patchbay/state"
	"patchbay/state/report"
	"patchbay/state/report/model"

	"go.uber.org/goleak"
)

// TestReportLabFleetQuarter runs the example fleet, served by the lab over
// SSH on 127.147.0.0/16, through patchbay run at injected instants and
// checks the figures of patchbay report quarterly that follow from them.
func TestReportLabFleetQuarter(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) }) // after the lab closes
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	fleet, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"), Faults: "img-pacs-01=reboot-loop",
		AddressBase: lab.RandomAddressBase(), Timing: lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	saved := rebootTiming
	rebootTiming.Poll = 20 * time.Millisecond
	defer func() { rebootTiming = saved }()

	stateDir, home := t.TempDir(), t.TempDir()
	journalLabInventory(t, stateDir, fleet.InventoryPath(), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	run := func(at time.Time, args ...string) cliResult {
		return runAt(t, home, at, append([]string{"--state", stateDir, "--inventory", fleet.InventoryPath(), "run"}, args...)...)
	}
	// The lab's inventory opens every window all day and shortens each
	// ring to no delay, 10 minutes of deployment and 2 of soak. So the
	// December release (12-08 18:00 UTC) lets ring test start at once
	// and production at 18:12, and December's production phase ends at
	// 18:22 UTC. paeds-files is the only apt host of ring test.
	if r := run(time.Date(2026, 12, 8, 18, 1, 0, 0, time.UTC), "linux-apt-monthly", "--ring", "test", "--yes"); r.code != ExitOK {
		t.Fatalf("test ring: exit %d\n%s", r.code, r.stderr)
	}
	// Production: ent-gw, then img-gw.
	if r := run(time.Date(2026, 12, 8, 18, 15, 0, 0, time.UTC), "linux-apt-monthly", "--site", "ent", "--yes"); r.code != ExitOK {
		t.Fatalf("ent production: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(time.Date(2026, 12, 8, 18, 16, 0, 0, time.UTC), "linux-apt-monthly", "--site", "imaging", "--yes"); r.code != ExitOK {
		t.Fatalf("imaging production: exit %d\n%s", r.code, r.stderr)
	}
	// img-pacs-01 loops through reboots and fails.
	if r := run(time.Date(2026, 12, 8, 18, 20, 0, 0, time.UTC), "linux-dnf-monthly", "--site", "imaging", "--yes"); r.code != ExitFailures {
		t.Fatalf("imaging dnf: exit %d, want %d\n%s", r.code, ExitFailures, r.stderr)
	}

	rep := runAt(t, home, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), "--state", stateDir, "report", "quarterly", "--quarter", "2026Q4", "--format", "json")
	if rep.code != ExitOK {
		t.Fatalf("report: exit %d\n%s", rep.code, rep.stderr)
	}
	var q model.Quarterly
	if err := json.Unmarshal([]byte(rep.stdout), &q); err != nil {
		t.Fatal(err)
	}
	checkLabQuarter(t, &q)

	// The other formats carry the same total: 3 of 26 hosts, 11.5 %, at
	// quarter end and in December (0 of 26 in October and November).
	total := map[string]string{
		"md":   "| all | all | 3 | 26 | 11.5 | 0 | 26 | 0.0 | 0 | 26 | 0.0 | 3 | 26 | 11.5 |",
		"csv":  "coverage,all,all,3,26,11.5,0,26,0.0,0,26,0.0,3,26,11.5",
		"html": "<td>all</td><td>all</td><td>3</td><td>26</td><td>11.5</td><td>0</td><td>26</td><td>0.0</td><td>0</td><td>26</td><td>0.0</td><td>3</td><td>26</td><td>11.5</td>",
	}
	for format, want := range total {
		out := runAt(t, home, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), "--state", stateDir, "report", "quarterly", "--quarter", "2026Q4", "--format", format)
		if out.code != ExitOK || !strings.Contains(out.stdout, want) {
			t.Errorf("%s report: exit %d, lacks %q", format, out.code, want)
		}
	}
}

func checkLabQuarter(t *testing.T, q *model.Quarterly) {
	t.Helper()
	// The example fleet has 28 hosts; ent-audio-01 and img-read-02 are
	// excepted, leaving 26 patchable: ent 10, imaging 8, paeds 8. Only
	// paeds-files, ent-gw and img-gw were patched, all after the December
	// release and before December's production phase end (18:22 UTC).
	// October and November had no run. Neither dnf host (paeds-gw,
	// img-pacs-01) was patched.
	want := map[string]string{
		"all/all":            "3/26 [0/26 0/26 3/26]",
		"site/ent":           "1/10 [0/10 0/10 1/10]",
		"site/imaging":       "1/8 [0/8 0/8 1/8]",
		"site/paeds":         "1/8 [0/8 0/8 1/8]",
		"platform/linux-dnf": "0/2 [0/2 0/2 0/2]",
	}
	if len(q.Months) != 3 || !q.Months[2].Measured.Equal(time.Date(2026, 12, 8, 18, 22, 0, 0, time.UTC)) {
		t.Errorf("months = %+v, want December measured at 2026-12-08 18:22 UTC", q.Months)
	}
	got := map[string]string{}
	for _, c := range q.Coverage {
		var months []string
		for _, m := range c.Months {
			months = append(months, ratioText(m))
		}
		got[c.Dimension+"/"+c.Key] = ratioText(c.QuarterEnd) + " [" + strings.Join(months, " ") + "]"
	}
	for key, w := range want {
		if got[key] != w {
			t.Errorf("coverage %s = %q, want %q", key, got[key], w)
		}
	}
	// Six medical devices and two excepted hosts.
	if len(q.Excluded) != 8 {
		t.Errorf("%d hosts and devices outside coverage, want 8", len(q.Excluded))
	}
	// Four runs; the dnf run failed img-pacs-01 by a reboot loop.
	if len(q.Runs) != 4 {
		t.Errorf("%d runs, want 4", len(q.Runs))
	}
	kinds := map[string]int{}
	for _, i := range q.Incidents {
		kinds[i.Kind]++
	}
	if kinds[model.IncidentFailedHost] != 1 || kinds[model.IncidentRebootLoop] != 1 {
		t.Errorf("incidents by kind = %v, want one failed host and one reboot loop", kinds)
	}
	for _, i := range q.Incidents {
		if i.Kind == model.IncidentFailedHost && i.Host != "img-pacs-01" {
			t.Errorf("failed host = %s, want img-pacs-01", i.Host)
		}
	}
}

func ratioText(r model.Ratio) string {
	return strings.TrimSuffix(strings.SplitN(r.String(), " ", 2)[0], " ")
}

// runAt runs patchbay with the clock at instant at.
func runAt(t *testing.T, home string, at time.Time, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		},
		Now: func() time.Time { return at },
	})
	return cliResult{code, stdout.String(), stderr.String()}
}

// journalLabInventory journals the lab's inventory as a snapshot at
// instant at, as a command that changes hosts does before it runs.
func journalLabInventory(t *testing.T, stateDir, path string, at time.Time) {
	t.Helper()
	inv, err := inventory.Load(path, inventory.Options{Now: at})
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.SetClock(func() time.Time { return at })
	if _, err := report.JournalInventory(context.Background(), store, inv); err != nil {
		t.Fatal(err)
	}
}
