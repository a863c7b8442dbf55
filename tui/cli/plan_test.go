package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPlanTableShowsReasons(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "plan", "linux-apt-monthly")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	for _, want := range []string{
		"2 hosts run, 1 skipped",
		"skipped: exception: exception north-audio-pinned (AudioSuite)",
		"run: read facts, upgrade packages, reboot if required, verify",
		"north-ecg", "medical device (Example Medical ECG-1); never contacted",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestPlanJSONExceptedHostReadsFacts(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "plan", "facts", "--json")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	var doc planJSONDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Cycle != "2026-12" {
		t.Errorf("cycle = %q, want 2026-12", doc.Cycle)
	}
	for _, h := range doc.Hosts {
		if h.Skip != nil {
			t.Errorf("%s skipped by the read-only facts playbook: %+v", h.Host, h.Skip)
		}
		if h.Host == "north-audio" && !h.ReadOnly {
			t.Error("excepted host north-audio is not marked read-only")
		}
	}
	if strings.Join(doc.Devices, ",") != "north-ecg" {
		t.Errorf("devices = %v", doc.Devices)
	}
}

func TestPlanSelectionAndWindow(t *testing.T) {
	res := runPatchCLIEnv(t, map[string]string{"SSH_AUTH_SOCK": "/nonexistent/agent.sock"}, "--state", t.TempDir(), "--inventory", "../../examples", "plan", "linux-dnf-monthly",
		"--site", "imaging", "--hosts", "img-pacs-*", "--at", "2026-12-10T15:00:00Z", "--json",
		"--override-gate", "--reason", "preview of the window")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	var doc planJSONDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 1 || doc.Hosts[0].Host != "img-pacs-01" {
		t.Fatalf("hosts = %+v, want only img-pacs-01", doc.Hosts)
	}
	skip := doc.Hosts[0].Skip
	if skip == nil || skip.Reason != "window-closed" || skip.Opens == nil {
		t.Errorf("skip = %+v, want window-closed with the opening time", skip)
	}
	if len(doc.Devices) != 0 {
		t.Errorf("a host selection listed devices %v", doc.Devices)
	}
}

func TestPlaybooksList(t *testing.T) {
	res := runPatchCLI(t, "playbooks", "--json")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	var list []playbookInfo
	if err := json.Unmarshal([]byte(res.stdout), &list); err != nil {
		t.Fatal(err)
	}
	byName := map[string]playbookInfo{}
	for _, p := range list {
		byName[p.Name] = p
	}
	if f := byName["facts"]; !f.ReadOnly || f.Source != "builtin" {
		t.Errorf("facts = %+v, want read-only and builtin", f)
	}
	if _, ok := byName["linux-apt-monthly"]; !ok {
		t.Error("linux-apt-monthly is missing")
	}
}

func TestPlanMissingCredential(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", "../../examples", "plan", "linux-dnf-monthly", "--hosts", "img-pacs-01", "--json")
	var doc planJSONDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, res.stderr)
	}
	skip := doc.Hosts[0].Skip
	if skip == nil || skip.Reason != "missing-credential" || !strings.Contains(skip.Detail, "SSH_AUTH_SOCK is not set") {
		t.Errorf("skip = %+v, want missing-credential naming SSH_AUTH_SOCK", skip)
	}
}

func TestPlanListsDeviceNamedInHosts(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "plan", "linux-apt-monthly", "--hosts", "north-ecg,north-web")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "north-ecg") || !strings.Contains(res.stdout, "medical device (Example Medical ECG-1); never contacted") {
		t.Errorf("plan does not list the device named in --hosts as never contacted:\n%s", res.stdout)
	}
}
