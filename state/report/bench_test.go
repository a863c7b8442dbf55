package report

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/inventory/schedule"
	"patchbay/state"
	"patchbay/state/event"
)

// benchJournal is the million-record journal of the benchmark, built once
// per test binary because building it takes far longer than a report.
var benchJournal struct {
	once sync.Once
	dir  string
	err  error
}

// Shape of the benchmark journal: 400 hosts at 4 sites, patched every
// month from 2024 to 2026 in 5 runs over half the fleet each, with 28
// records per host and run: 200 × 28 × 5 × 36 = 1,008,000 host records.
// One in seven is step output, which the report never reads.
const (
	benchSites         = 4
	benchHostsPerSite  = 100
	benchMonths        = 36
	benchRunsPerMonth  = 5 // runs of half the fleet each
	benchTargetRecords = 1_000_000
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchJournal.dir != "" {
		os.RemoveAll(benchJournal.dir)
	}
	os.Exit(code)
}

// BenchmarkQuarterlyReport1M builds the 2026Q4 report of a journal of
// about a million records.
func BenchmarkQuarterlyReport1M(b *testing.B) {
	benchJournal.once.Do(func() { benchJournal.dir, benchJournal.err = buildBenchJournal() })
	if benchJournal.err != nil {
		b.Fatal(benchJournal.err)
	}
	store, err := state.Open(benchJournal.dir)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	head, err := store.Head(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if head.Seq < benchTargetRecords {
		b.Fatalf("benchmark journal has %d records, want at least %d", head.Seq, benchTargetRecords)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Now: time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		if q.Total().QuarterEnd.Patchable != benchSites*benchHostsPerSite {
			b.Fatalf("quarter-end patchable = %d, want %d", q.Total().QuarterEnd.Patchable, benchSites*benchHostsPerSite)
		}
	}
	b.ReportMetric(float64(head.Seq), "records")
}

func buildBenchJournal() (string, error) {
	dir, err := os.MkdirTemp("", "patchbay-report-bench-")
	if err != nil {
		return "", err
	}
	store, err := state.Open(dir)
	if err != nil {
		return dir, err
	}
	defer store.Close()
	ctx := context.Background()
	store.SetClock(func() time.Time { return time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC) })
	if _, err := store.SnapshotInventory(ctx, "bench.yaml", []byte(benchInventory())); err != nil {
		return dir, err
	}
	var batch []event.Event
	flush := func() error {
		_, err := store.Append(ctx, batch...)
		batch = batch[:0]
		return err
	}
	for month := 0; month < benchMonths; month++ {
		release := schedule.Release(2024+month/12, time.Month(month%12+1))
		for r := 0; r < benchRunsPerMonth; r++ {
			start := release.Add(time.Duration(26+r*24) * time.Hour)
			id := fmt.Sprintf("run-%02d-%d", month, r)
			batch = append(batch, event.Event{Time: start, Run: id, Payload: event.RunStarted{
				Operator: "tech", Playbook: "linux-apt-monthly", CycleID: release.Format("2006-01"), CycleKind: event.CycleMonthly}})
			for h := r % 2; h < benchSites*benchHostsPerSite; h += 2 {
				batch = append(batch, benchHostRun(id, benchHostName(h), start.Add(time.Duration(h)*time.Second))...)
			}
			batch = append(batch, event.Event{Time: start.Add(2 * time.Hour), Run: id, Payload: event.RunFinished{Done: 200}})
			if err := flush(); err != nil {
				return dir, err
			}
		}
	}
	return dir, nil
}

func benchHostName(i int) string {
	return fmt.Sprintf("s%d-h%03d", i/benchHostsPerSite, i%benchHostsPerSite)
}

// benchHostRun returns the 28 records of one host's run.
func benchHostRun(run, host string, at time.Time) []event.Event {
	var out []event.Event
	add := func(p event.Payload) { out = append(out, event.Event{Time: at, Run: run, Host: host, Payload: p}) }
	for _, phase := range []event.HostPhase{event.PhaseConnecting, event.PhasePreflight, event.PhaseScanning, event.PhaseDownloading} {
		add(event.HostState{Phase: phase})
	}
	add(event.HostFacts{OS: "Debian GNU/Linux 12 (bookworm)", Build: "6.1.0-28-amd64"})
	for _, step := range []string{"read facts", "upgrade packages", "reboot if required", "verify"} {
		add(event.StepStarted{Step: step, ReadOnly: step == "read facts" || step == "verify"})
		add(event.Output{Step: step, Stream: "stdout", Data: strings.Repeat("Setting up libssl3 (3.0.15-1~deb12u1) ...\n", 6)})
		add(event.StepFinished{Step: step, Changed: step == "upgrade packages", OutputBytes: 252, StoredBytes: 252})
	}
	for i, pkg := range []string{"libssl3", "openssl", "linux-image-amd64"} {
		add(event.HostState{Phase: event.PhaseInstalling, Index: i + 1, Total: 3})
		add(event.UpdateResult{Update: pkg, ResultCode: "succeeded"})
	}
	add(event.HostState{Phase: event.PhaseRebooting})
	add(event.HostState{Phase: event.PhaseSettling})
	add(event.HostState{Phase: event.PhaseVerifying})
	add(event.HostFacts{OS: "Debian GNU/Linux 12 (bookworm)", Build: "6.1.0-29-amd64"})
	add(event.HostState{Phase: event.PhaseDone})
	return out
}

// benchInventory returns a fleet of benchSites sites with
// benchHostsPerSite linux-apt hosts each.
func benchInventory() string {
	var b strings.Builder
	b.WriteString("rings:\n  - {name: test, delay: 24h, deploy: 24h, soak: 48h, success_share: 95%}\n" +
		"  - {name: production, delay: 0h, deploy: 72h, soak: 0h, success_share: 95%}\nsites:\n")
	for s := 0; s < benchSites; s++ {
		fmt.Fprintf(&b, "  - id: s%d\n    name: Site %d\n    time_zone: America/New_York\n    windows: [\"daily 22:00-05:00\"]\n    owner: Tech\n    hosts:\n", s, s)
		for h := 0; h < benchHostsPerSite; h++ {
			ring := "production"
			if h < 5 {
				ring = "test"
			}
			fmt.Fprintf(&b, "      - {name: %s, address: 127.0.%d.%d, platform: linux-apt, role: server, ring: %s, transport: {user: root}}\n",
				benchHostName(s*benchHostsPerSite+h), s, h+1, ring)
		}
	}
	return b.String()
}
