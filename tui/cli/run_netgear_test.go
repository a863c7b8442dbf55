package cli

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/remote/lab"
	"patchbay/state/event"
)

// startGearFleet serves the example fleet on 127.90.0.0/16 with fast
// reboots and returns it.
func startGearFleet(t *testing.T) *lab.Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"),
		AddressBase: lab.RandomAddressBase(), Timing: lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 100 * time.Millisecond}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		f.Close()
	})
	saved := rebootTiming
	rebootTiming.Poll = 20 * time.Millisecond
	t.Cleanup(func() { rebootTiming = saved })
	return f
}

// writeLabImage writes a lab firmware image and returns its path and MD5.
func writeLabImage(t *testing.T, name, version string) (string, string) {
	t.Helper()
	data := lab.NewImage(version, 128<<10)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return path, hex.EncodeToString(sum[:])
}

func TestRunFirmwarePlaybooksOnLabFleet(t *testing.T) {
	f := startGearFleet(t)
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	run := func(playbook, host string, vars ...string) cliResult {
		args := []string{"--state", stateDir, "--inventory", f.InventoryPath(), "run", playbook, "--hosts", host,
			"--yes", "--json", "--override-gate", "--reason", "lab firmware test"}
		for _, v := range vars {
			args = append(args, "--var", v)
		}
		return runPatchCLIEnv(t, env, args...)
	}
	iosImage, iosSum := writeLabImage(t, "c2960x-universalk9-mz.152-7.E10.bin", "15.2(7)E10")
	xeImage, xeSum := writeLabImage(t, "cat9k_lite_iosxe.17.09.06a.SPA.bin", "17.09.06a")
	f.Host("ent-fw").Change(func(s *lab.State) { s.Files["tftp://127.0.0.1/FGT_60F-v7.2.10.out"] = lab.NewImage("7.2.10", 4096) })

	cases := []struct {
		playbook, host, want string
		vars                 []string
	}{
		{"cisco-ios-firmware", "ent-sw", "15.2(7)E10", []string{"image=" + iosImage, "digest=" + iosSum, "version=15.2(7)E10"}},
		{"cisco-iosxe-firmware", "img-core", "17.09.06a", []string{"image=" + xeImage, "digest=" + xeSum, "version=17.09.06a"}},
		{"fortios-firmware", "ent-fw", "7.2.10", []string{"version=7.2.10", "image=FGT_60F-v7.2.10.out", "tftp_server=127.0.0.1", "backup_dir=" + t.TempDir()}},
	}
	for _, c := range cases {
		res := run(c.playbook, c.host, c.vars...)
		if res.code != ExitOK {
			t.Errorf("%s on %s: exit %d; stderr:\n%s", c.playbook, c.host, res.code, res.stderr)
			continue
		}
		if got := finalPhases(t, res.stdout)[c.host]; got != event.PhaseDone {
			t.Errorf("%s on %s ended %q", c.playbook, c.host, got)
		}
		if build := f.Host(c.host).Snapshot().Build; build != c.want {
			t.Errorf("%s runs %s after %s, want %s", c.host, build, c.playbook, c.want)
		}
	}
}

func TestRunLegacyGearNeedsInventoryOption(t *testing.T) {
	f := startGearFleet(t)
	data, err := os.ReadFile(f.InventoryPath())
	if err != nil {
		t.Fatal(err)
	}
	without := strings.ReplaceAll(string(data), "legacy_algorithms: true", "legacy_algorithms: false")
	if without == string(data) {
		t.Fatalf("the lab inventory sets no legacy_algorithms:\n%s", data)
	}
	path := filepath.Join(filepath.Dir(f.InventoryPath()), "without-legacy.yaml")
	if err := os.WriteFile(path, []byte(without), 0o600); err != nil {
		t.Fatal(err)
	}

	res := runPatchCLIEnv(t, map[string]string{"HOME": t.TempDir()}, "--state", t.TempDir(), "--inventory", path,
		"run", "cisco-ios-firmware", "--hosts", "ent-sw", "--yes", "--override-gate", "--reason", "lab",
		"--var", "image=unused.bin", "--var", "digest="+strings.Repeat("0", 32), "--var", "version=15.2(7)E10")

	if res.code != ExitFailures {
		t.Errorf("exit %d, want %d; stderr:\n%s", res.code, ExitFailures, res.stderr)
	}
	if !strings.Contains(res.stderr+res.stdout, "legacy_algorithms") {
		t.Errorf("the failure does not name legacy_algorithms:\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
}
