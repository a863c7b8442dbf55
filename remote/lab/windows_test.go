package lab

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"patchbay/remote/lab/hostexec"
)

// encodePS returns the powershell.exe -EncodedCommand line for script.
func encodePS(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(raw[2*i:], u)
	}
	return "powershell.exe -NoProfile -NonInteractive -EncodedCommand " + base64.StdEncoding.EncodeToString(raw)
}

type winRun struct {
	code           int
	stdout, stderr string
}

func runOn(t *testing.T, hd *Handler, line, stdin string) winRun {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := hd.Exec(context.Background(), hostexec.Request{Host: hd.Host.Name(), User: "patchbay",
		Command: line, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("exec %q: %v", line, err)
	}
	return winRun{code, out.String(), errOut.String()}
}

func newWindowsHost(t *testing.T, platform string) (*Handler, *ManualClock) {
	t.Helper()
	return newWindowsHostTiming(t, platform, Timing{ShutdownDelay: time.Second, RebootDuration: 10 * time.Second})
}

func newWindowsHostTiming(t *testing.T, platform string, timing Timing) (*Handler, *ManualClock) {
	t.Helper()
	clock := NewManualClock(time.Date(2026, 12, 9, 23, 0, 0, 0, time.UTC))
	h, err := NewHost("ws01", platform, 0, clock, timing)
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{Host: h, Transport: "winrm"}, clock
}

func TestWindowsCmdLines(t *testing.T) {
	hd, _ := newWindowsHost(t, "windows")
	if r := runOn(t, hd, "ver", ""); !strings.Contains(r.stdout, "[Version 10.0.19045.5131]") {
		t.Errorf("ver printed %q", r.stdout)
	}
	r := runOn(t, hd, "apt-get update", "")
	if r.code != 9009 || !strings.Contains(r.stderr, "is not recognized as an internal or external command") {
		t.Errorf("unknown program: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestWindowsShutdownRestarts(t *testing.T) {
	hd, clock := newWindowsHost(t, "windows")
	boot := hd.Host.Snapshot().BootTime
	if r := runOn(t, hd, `shutdown.exe /r /t 0 /f /d p:2:17 /c "patchbay"`, ""); r.code != 0 {
		t.Fatalf("shutdown: %+v", r)
	}
	clock.Advance(2 * time.Second)
	if hd.Host.Online() {
		t.Fatal("host still online after the shutdown delay")
	}
	clock.Advance(9 * time.Second) // back at 11 s, servicing until 11.5 s
	if !hd.Host.Online() || hd.Host.Snapshot().BootTime.Equal(boot) {
		t.Fatal("host did not come back with a new boot time")
	}
	r := runOn(t, hd, encodePS("$os = Get-CimInstance -ClassName Win32_OperatingSystem\n$os.LastBootUpTime"), "")
	if r.stdout != "" {
		t.Errorf("boot time %q printed while TiWorker services the boot, want nothing", r.stdout)
	}
	clock.Advance(time.Second)
	r = runOn(t, hd, encodePS("$os = Get-CimInstance -ClassName Win32_OperatingSystem\n$os.LastBootUpTime"), "")
	if !strings.HasPrefix(r.stdout, "2026-12-09T23:00") {
		t.Errorf("boot time = %q once settled", r.stdout)
	}
}

func TestWindowsStdinBootstrapScript(t *testing.T) {
	hd, _ := newWindowsHost(t, "hyperv")
	SetHyperVGuests(hd.Host, "vm1")
	bootstrap := "$in = New-Object IO.StreamReader ([Console]::OpenStandardInput())\n$script = $in.ReadToEnd()\n& ([ScriptBlock]::Create($script))\n"
	r := runOn(t, hd, encodePS(bootstrap), "$ErrorActionPreference = 'Stop'\nSave-VM -Name 'vm1'\n")
	if r.code != 0 {
		t.Fatalf("Save-VM through the standard input bootstrap: %+v", r)
	}
	if got := HyperVVMStates(hd.Host)["vm1"]; got != "Saved" {
		t.Errorf("vm1 = %s, want Saved", got)
	}
}

func TestWindowsSSHRunsPowerShell(t *testing.T) {
	hd, _ := newWindowsHost(t, "windows")
	hd.Transport = "ssh"
	r := runOn(t, hd, "Write-Output 'hello'", "")
	if r.code != 0 || r.stdout != "hello\r\n" {
		t.Errorf("Write-Output over SSH: %+v", r)
	}
	r = runOn(t, hd, "Get-Unknown -Name x", "")
	if r.code != 1 || !strings.Contains(r.stderr, "is not recognized as the name of a cmdlet") {
		t.Errorf("unknown cmdlet over SSH: %+v", r)
	}
}

func TestWindowsVMCmdletsOnlyOnHyperV(t *testing.T) {
	hd, _ := newWindowsHost(t, "windows-server")
	r := runOn(t, hd, encodePS("Save-VM -Name 'vm1'"), "")
	if r.code != 1 || !strings.Contains(r.stderr, "'Save-VM' is not recognized") {
		t.Errorf("Save-VM on windows-server: %+v", r)
	}
}

func TestWindowsSaveVMThatIsOffRejected(t *testing.T) {
	hd, _ := newWindowsHost(t, "hyperv")
	SetHyperVGuests(hd.Host, "vm1")
	SetHyperVVMState(hd.Host, "vm1", "Off")
	r := runOn(t, hd, encodePS("Save-VM -Name 'vm1'"), "")
	if r.code != 1 || !strings.Contains(r.stderr, "current state (Off)") {
		t.Errorf("Save-VM of an Off VM: %+v", r)
	}
	if r := runOn(t, hd, encodePS("Start-VM -Name 'vm1'"), ""); r.code != 0 {
		t.Fatalf("Start-VM: %+v", r)
	}
	if r := runOn(t, hd, encodePS("Save-VM -Name 'vm1'"), ""); r.code != 0 {
		t.Errorf("Save-VM of a running VM: %+v", r)
	}
}

func TestWindowsTaskEndsAtReboot(t *testing.T) {
	// The host goes down 1 ms after the reboot, before the task's first
	// step at 20 ms.
	hd, clock := newWindowsHostTiming(t, "windows", Timing{ShutdownDelay: time.Millisecond, RebootDuration: time.Second})
	start := "$progress = 'C:\\p.jsonl'\n$categories = @()\n$exclude = @()\n" +
		"Register-ScheduledTask -TaskName 'patchbay-windows-update' -Principal (New-ScheduledTaskPrincipal -UserId 'SYSTEM')\n" +
		"Start-ScheduledTask -TaskName 'patchbay-windows-update'\n"
	if r := runOn(t, hd, encodePS(start), ""); r.code != 0 {
		t.Fatalf("register: %+v", r)
	}
	if UpdateTaskState(hd.Host) != "Running" {
		t.Fatal("task not running after Start-ScheduledTask")
	}
	hd.Host.Reboot()
	clock.Advance(time.Minute)
	if got := UpdateTaskState(hd.Host); got != "Ready" {
		t.Errorf("task state after a reboot = %q, want Ready", got)
	}
	if n := len(hd.Host.Snapshot().Installed); n != 2 {
		t.Errorf("%d installed updates, want the 2 of the initial state: the reboot killed the task", n)
	}
}

func TestWindowsHealthChecks(t *testing.T) {
	hd, _ := newWindowsHost(t, "windows")
	service := "if ((Get-Service -Name 'EHRClientSvc' -ErrorAction SilentlyContinue).Status -ne 'Running') { exit 1 }"
	if r := runOn(t, hd, encodePS(service), ""); r.code != 0 {
		t.Errorf("EHRClientSvc check on a workstation: %+v", r)
	}
	SetWindowsServices(hd.Host, "WinRM")
	if r := runOn(t, hd, encodePS(service), ""); r.code != 1 {
		t.Errorf("EHRClientSvc check with the service stopped: %+v", r)
	}
	hd.Host.Change(func(s *State) { s.Apps = []string{"ViewerPro.exe"} })
	process := "if (-not (Get-Process -Name 'ViewerPro' -ErrorAction SilentlyContinue)) { exit 1 }"
	if r := runOn(t, hd, encodePS(process), ""); r.code != 0 {
		t.Errorf("ViewerPro process check: %+v", r)
	}
}
