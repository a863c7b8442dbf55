package actions

import (
	"errors"
	"maps"
	"testing"

	"patchbay/playbooks/book"
	"patchbay/remote/lab"
)

func TestHyperVGuestsAroundPatch(t *testing.T) {
	w := newWinLab(t, "hyperv")
	lab.SetHyperVGuests(w.host, "ent-dc-01", "ent-ehr-01", "old-vm")
	lab.SetHyperVVMState(w.host, "old-vm", "Off")

	stop := book.Params{"do": {Text: "stop"}, "shutdown": listParam("ent-ehr-01")}
	if probs := checkHypervParams(stop); len(probs) != 0 {
		t.Fatalf("params: %v", probs)
	}
	if err := runAction(t, "hyperv.guests", w.x, stop); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ent-dc-01": "Saved", "ent-ehr-01": "Off", "old-vm": "Off"}
	if got := lab.HyperVVMStates(w.host); !maps.Equal(got, want) {
		t.Fatalf("VM states after stop = %v, want %v", got, want)
	}

	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if err := runAction(t, "reboot", w.x, params("if_needed", "true")); err != nil {
		t.Fatal(err)
	}
	if err := runAction(t, "hyperv.guests", w.x, params("do", "start")); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"ent-dc-01": "Running", "ent-ehr-01": "Running", "old-vm": "Off"}
	if got := lab.HyperVVMStates(w.host); !maps.Equal(got, want) {
		t.Errorf("VM states after start = %v, want %v; a VM that was off before must stay off", got, want)
	}
	if got := w.x.Facts.Text(FactBuild); got != "10.0.20348.2966" {
		t.Errorf("hypervisor build = %q after the reboot", got)
	}
	if w.host.Snapshot().Files[hypervNotePath] != nil {
		t.Error("the note of stopped VMs is still on the host after the start")
	}
}

func TestHyperVStartWithoutStopDoesNothing(t *testing.T) {
	w := newWinLab(t, "hyperv")
	lab.SetHyperVGuests(w.host, "vm1")
	lab.SetHyperVVMState(w.host, "vm1", "Off")
	if err := runAction(t, "hyperv.guests", w.x, params("do", "start")); err != nil {
		t.Fatal(err)
	}
	if got := lab.HyperVVMStates(w.host)["vm1"]; got != "Off" {
		t.Errorf("vm1 = %s, want it left off", got)
	}
	if !w.x.Report.(*winRecorder).decided("guests-none-to-start") {
		t.Error("no guests-none-to-start decision")
	}
}

func TestHyperVGuestsOnlyOnHyperV(t *testing.T) {
	w := newWinLab(t, "windows-server")
	err := runAction(t, "hyperv.guests", w.x, params("do", "stop"))
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported on windows-server", err)
	}
	if probs := checkHypervParams(params("do", "pause")); len(probs) == 0 {
		t.Error("do: pause passed the parameter check")
	}
}
