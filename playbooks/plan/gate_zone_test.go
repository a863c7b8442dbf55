package plan

import (
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
)

func TestGateSoakEndInSiteTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	inv := siteInventory()
	inv.Sites[0].TimeZone = ny
	hist := history{outcomes: map[string]RingOutcome{"test": {Succeeded: 5, Finished: planAt.Add(-24 * time.Hour)}}}

	err = Gate(inv, "production", "2026-12", planAt, hist)
	want := "soak of ring test ends Thu 2026-12-10 22:00 EST, 24h0m0s from now"
	if err == nil || err.Error() != want {
		t.Errorf("Gate = %v, want %q", err, want)
	}

	inv.Sites = append(inv.Sites, &inventory.Site{ID: "west", TimeZone: la})
	inv.Hosts = append(inv.Hosts, &inventory.Host{Name: "west-db", Site: "west", Platform: inventory.PlatformLinuxApt, Ring: "production"})
	err = Gate(inv, "production", "2026-12", planAt, hist)
	if err == nil || !strings.Contains(err.Error(), "ends Thu 2026-12-10 22:00 EST (19:00 PST),") {
		t.Errorf("Gate over two zones = %v, want the end in both", err)
	}
}
