package runner

import (
	"strings"
	"testing"

	"patchbay/inventory"
	"patchbay/state/event"
)

func TestCiscoIOSXEHeldImageNotStaged(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("core1", inventory.PlatformCiscoIOSXE, inventory.RoleCoreSwitch)
	inv.Holds = []*inventory.Hold{{ID: "H-fw", Kind: inventory.HoldFirmware, Item: "cat9k_lite_iosxe.17.09.06a.SPA.bin",
		Reason: "stack member loops at boot", Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	device := g.add(t, inv.Host("core1"))
	image, sum := writeImage(t, "cat9k_lite_iosxe.17.09.06a.SPA.bin", "17.09.06a", 64<<10)

	// The plan sees the playbook's empty defaults, so only the action can
	// reject the image that the run's variables name.
	summary, events := runGear(t, g, inv, "cisco-iosxe-firmware", map[string]string{"image": image, "digest": sum, "version": "17.09.06a"})

	if summary.Hosts["core1"] != event.PhaseFailed {
		t.Fatalf("core1 ended %s, want failed:\n%s", summary.Hosts["core1"], dump(events))
	}
	state := device.Snapshot()
	if _, copied := state.Files["flash:cat9k_lite_iosxe.17.09.06a.SPA.bin"]; copied {
		t.Error("the held image reached flash")
	}
	if state.Build != "17.09.04a" {
		t.Errorf("device runs %s, want the release it ran before, 17.09.04a", state.Build)
	}
	held := 0
	for _, ev := range events {
		if u, ok := ev.Payload.(event.UpdateResult); ok && u.ResultCode == "held" && strings.HasPrefix(u.Title, "held by hold H-fw") {
			held++
		}
	}
	if held != 1 {
		t.Errorf("journal has %d held results for hold H-fw, want 1:\n%s", held, dump(events))
	}
}
