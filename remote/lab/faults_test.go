package lab

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"patchbay/remote/lab/hostexec"
)

func TestParseFaults(t *testing.T) {
	hosts := []string{"ent-ws1", "ent-srv1"}
	got, err := ParseFaults("ent-ws1=offline, ent-srv1=slow:5s,ent-srv1=update-fails=0x80240022", hosts)
	if err != nil {
		t.Fatal(err)
	}
	if !got["ent-ws1"].Has(FaultOffline) {
		t.Errorf("ent-ws1 faults = %v", got["ent-ws1"])
	}
	if d := got["ent-srv1"].SlowDelay(); d != 5*time.Second {
		t.Errorf("slow delay = %v, want 5s", d)
	}
	if code := got["ent-srv1"].UpdateFailCode(); code != "0x80240022" {
		t.Errorf("update-fails code = %q", code)
	}
}

func TestParseFaultsErrors(t *testing.T) {
	hosts := []string{"ent-ws1"}
	tests := []struct{ spec, want string }{
		{"nohost=offline", `host "nohost" is not in the lab fleet`},
		{"ent-ws1=melted", `unknown kind "melted"; the kinds are`},
		{"ent-ws1", "want HOST=KIND[:ARG]"},
		{"ent-ws1=offline:5", "offline takes no argument"},
		{"ent-ws1=slow:fast", `invalid duration "fast"`},
		{"ent-ws1=update-fails:0x12345678", `unknown Windows Update HRESULT "0x12345678"`},
		{"ent-ws1=huge-output:lots", `invalid size "lots"`},
	}
	for _, tt := range tests {
		_, err := ParseFaults(tt.spec, hosts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFaults(%q) = %v, want an error containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestFaultSlowWaitsOnClock(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-apt")
	h.SetFaults(Faults{FaultSlow: "30s"})
	done := make(chan result, 1)
	go func() { done <- run(t, hd, "tech", "echo hi") }()
	waitForTimers(t, clock)
	select {
	case r := <-done:
		t.Fatalf("slow command finished before the clock moved: %+v", r)
	default:
	}
	clock.Advance(30 * time.Second)
	if r := <-done; r.stdout != "hi\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

// waitForTimers waits until a goroutine has scheduled a timer on clock.
func waitForTimers(t *testing.T, clock *ManualClock) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		clock.mu.Lock()
		n := len(clock.timers)
		clock.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no timer was scheduled")
}

func TestFaultSilentBlocksUntilCancel(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	h.SetFaults(Faults{FaultSilent: ""})
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		_, err := hd.Exec(ctx, hostexec.Request{User: "tech", Command: "echo hi", Stdout: &out, Stderr: &out})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if out.Len() != 0 {
		t.Errorf("silent host wrote %q", out.String())
	}
}

func TestFaultDropMidCommand(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-dnf")
	h.SetFaults(Faults{FaultDropMidCommand: ""})
	r := run(t, hd, "root", "dnf -y upgrade")
	if !errors.Is(r.err, ErrDropped) {
		t.Fatalf("err = %v, want ErrDropped", r.err)
	}
	if r.stdout == "" || strings.Contains(r.stdout, "Complete!") {
		t.Errorf("want a partial output without the end, got %d bytes", len(r.stdout))
	}
	if len(h.Snapshot().Pending) != 0 {
		t.Error("the command under the dropped connection did not take effect")
	}
}

func TestFaultHugeOutput(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	h.SetFaults(Faults{FaultHugeOutput: "1MiB"})
	r := mustRun(t, hd, "tech", "true", 0)
	if len(r.stdout) != 1<<20 {
		t.Errorf("output is %d bytes, want %d", len(r.stdout), 1<<20)
	}
}

func TestFaultOfflineRefusesCommands(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	var seen []bool
	h.Watch(func(online bool) { seen = append(seen, online) })
	h.SetFaults(Faults{FaultOffline: ""})
	if r := run(t, hd, "tech", "true"); !errors.Is(r.err, ErrOffline) {
		t.Errorf("err = %v, want ErrOffline", r.err)
	}
	h.SetFaults(nil)
	if len(seen) != 2 || seen[0] || !seen[1] {
		t.Errorf("watcher saw %v, want [false true]", seen)
	}
}

func TestFaultRebootNeverReturns(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-apt")
	h.SetFaults(Faults{FaultRebootNeverReturns: ""})
	mustRun(t, hd, "root", "reboot", 0)
	clock.Advance(24 * time.Hour)
	if h.Online() {
		t.Error("host came back despite reboot-never-returns")
	}
}

func TestFaultRebootLoop(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-dnf")
	h.SetFaults(Faults{FaultRebootLoop: ""})
	mustRun(t, hd, "root", "dnf -y upgrade", 0)
	mustRun(t, hd, "root", "reboot", 0)
	clock.Advance(2 * time.Minute)
	s := h.Snapshot()
	if s.FindPending("kernel") < 0 || s.FindPending("glibc") < 0 {
		t.Errorf("pending after a looping reboot = %v, want kernel and glibc again", s.Pending)
	}
	if s.FindPending("curl") >= 0 {
		t.Error("curl, which needs no reboot, came back as pending")
	}
	if s.Build != "5.14.0-362.8.1.el9_3.x86_64" {
		t.Errorf("build = %q, want the old kernel", s.Build)
	}
}

func TestFaultUpdateFailsOnLinux(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-dnf")
	h.SetFaults(Faults{FaultUpdateFails: ""})
	r := mustRun(t, hd, "root", "dnf -y upgrade", 1)
	if !strings.Contains(r.stderr, "Error: Transaction failed") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestFaultCLIXMLOnlyForPowerShell(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	h.SetFaults(Faults{FaultCLIXMLStderr: ""})
	if r := run(t, hd, "tech", "true"); r.stderr != "" {
		t.Errorf("a shell command got CLIXML on stderr: %q", r.stderr)
	}
}

func TestLookupWUError(t *testing.T) {
	e, ok := LookupWUError("0x80240016")
	if !ok || e.Symbol != "WU_E_INSTALL_NOT_ALLOWED" {
		t.Errorf("LookupWUError(0x80240016) = %+v, %v", e, ok)
	}
	if _, ok := LookupWUError("0X80240022"); !ok {
		t.Error("upper-case 0X prefix not accepted")
	}
}
