package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/state/event"
	"patchbay/state/hoststate"
)

// benchHosts is the fleet size of the benchmarks: 10 sites of 500 hosts.
const benchSites, benchHostsPerSite = 10, 500

// benchFleet builds a fleet of benchSites × benchHostsPerSite Windows
// hosts, a tenth of them in the test ring, every one with a state.
func benchFleet(b *testing.B) *Fleet {
	b.Helper()
	var y strings.Builder
	y.WriteString("credentials:\n  - name: winrm\n    env: PATCHBAY_BENCH_PASSWORD\nsites:\n")
	st := hoststate.New()
	for s := range benchSites {
		fmt.Fprintf(&y, "  - id: site-%02d\n    name: Site %d\n    owner: Bench\n    time_zone: America/Chicago\n", s, s)
		y.WriteString("    windows: [\"mon-fri 22:00-05:00\"]\n    hosts:\n")
		for h := range benchHostsPerSite {
			ring := "production"
			if h%10 == 0 {
				ring = "test"
			}
			name := fmt.Sprintf("s%02d-ws-%03d", s, h)
			fmt.Fprintf(&y, "      - {name: %s, address: 192.0.2.1, platform: windows, ring: %s, transport: {user: u, credential: winrm}}\n", name, ring)
			st.Hosts[name] = &hoststate.Host{Name: name, Phase: event.PhaseDone, Build: "10.0.22631.4602", LastRun: "20261209T040000-00c0ffee"}
		}
	}
	inv, err := inventory.Parse([]inventory.SourceFile{{Name: "bench.yaml", Data: []byte(y.String())}}, inventory.Options{Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	return &Fleet{Inventory: inv, InventoryPath: "bench.yaml", StateDir: "/state", State: st}
}

// benchModel returns a 200×60 console with the bench fleet loaded.
func benchModel(b *testing.B, f *Fleet) *Model {
	b.Helper()
	m := New(context.Background(), Options{Backend: &fakeBackend{fleet: f}, Now: fixedNow})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m.Update(fleetLoadedMsg{fleet: f})
	return m
}

// BenchmarkFleetFrame measures one frame of the fleet screen after a
// clock tick, which recomputes every site's summary.
func BenchmarkFleetFrame(b *testing.B) {
	m := benchModel(b, benchFleet(b))
	b.ResetTimer()
	for b.Loop() {
		m.Update(tickMsg(testNow))
		_ = m.render()
	}
}

// BenchmarkRunFrame measures one frame of the run screen watching a run
// over all hosts, after one host event.
func BenchmarkRunFrame(b *testing.B) {
	f := benchFleet(b)
	m := benchModel(b, f)
	p := &plan.Plan{}
	for _, h := range f.Inventory.Hosts {
		p.Hosts = append(p.Hosts, &plan.Host{Host: h})
	}
	run := &Run{ID: "20261209T040000-00c0ffee", Playbook: "windows-monthly", Plan: p, Started: testNow, Control: &fakeControl{}}
	m.Update(runStartedMsg{run: run})
	at := testNow.Add(-time.Minute)
	for i, h := range f.Inventory.Hosts {
		m.Update(runEventMsg{id: run.ID, ev: event.Event{Time: at, Host: h.Name, Payload: event.HostState{Phase: event.PhaseInstalling, Index: i % 7, Total: 7}}})
	}
	e := event.Event{Time: at, Host: f.Inventory.Hosts[0].Name, Payload: event.Output{Step: "install-updates", Data: "Installing 3 of 7\n"}}
	b.ResetTimer()
	for b.Loop() {
		m.Update(runEventMsg{id: run.ID, ev: e})
		_ = m.render()
	}
}
