package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Host entries of the benchmark inventory, in block style as the example
// inventory writes them.
const (
	benchServer = `      - name: s%03d-srv-%02d
        address: 192.0.2.%d
        platform: linux-apt
        ring: %s
        tags: [server]
        transport: {user: patchbay, credential: ssh-agent}
`
	benchWorkstation = `      - name: s%03d-ws-%02d
        address: 192.0.2.%d
        platform: windows
        ring: %s
        tags: [clinical]
        apps: [ehr-client]
        transport: {user: 'PRACTICE\patchbay', credential: winrm}
`
)

// benchInventory writes an inventory of sites × hostsPerSite hosts into a
// temporary folder, in the shape of the example fleet: rings, credential
// references, a hold, a health check, reboot policies and, per site, a
// time zone, windows, contacts and Windows and Linux hosts with tags and
// apps. It returns the file's path.
func benchInventory(b *testing.B, sites, hostsPerSite int) string {
	b.Helper()
	var y strings.Builder
	y.WriteString(`rings:
  - {name: test, delay: 24h, deploy: 24h, soak: 2d, emergency_soak: 4h, success_share: 95%, failure_budget: 1}
  - {name: production, delay: 0h, deploy: 3d, soak: 0h, success_share: 95%, failure_budget: 10%}
credentials:
  - {name: winrm, env: PATCHBAY_BENCH_WINRM_PASSWORD}
  - {name: ssh-agent, agent: true}
holds:
  - {id: winre, kb: KB5034441, reason: recovery partition too small, source: vendor notice, scope: all, recheck: 2027-01-12}
health_checks:
  - {name: ehr-client, app: ehr-client, service: EHRClientSvc}
reboot_policies:
  - {name: clinical, mode: defer, tags: [clinical], defer_apps: [ViewerPro.exe], defer_user_logged_on: true}
  - {name: servers, mode: allow, tags: [server]}
sites:
`)
	for s := range sites {
		fmt.Fprintf(&y, "  - id: site-%03d\n    name: Practice %d\n    time_zone: America/Chicago\n", s, s)
		y.WriteString("    windows: [\"mon-fri 22:00-05:00\", \"sat,sun 00:00-24:00\"]\n    owner: Bench IT\n")
		y.WriteString("    contacts:\n      - {name: Office Manager, role: office manager, email: office@example.org}\n    hosts:\n")
		for h := range hostsPerSite {
			ring := "production"
			if h%10 == 0 {
				ring = "test"
			}
			if h%5 == 4 {
				fmt.Fprintf(&y, benchServer, s, h, h+1, ring)
				continue
			}
			fmt.Fprintf(&y, benchWorkstation, s, h, h+1, ring)
		}
	}
	path := filepath.Join(b.TempDir(), "fleet.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoad5000Hosts measures loading, parsing and validating an
// inventory file of 250 sites with 20 hosts each.
func BenchmarkLoad5000Hosts(b *testing.B) {
	path := benchInventory(b, 250, 20)
	now := time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)
	for b.Loop() {
		inv, err := Load(path, Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Hosts) != 5000 {
			b.Fatalf("loaded %d hosts, want 5000", len(inv.Hosts))
		}
	}
}
