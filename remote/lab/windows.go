package lab

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// windowsPersonality emulates Windows 10 and 11 workstations, Windows
// Server and Hyper-V hosts reached over WinRM (cmd.exe lines and
// powershell.exe -EncodedCommand) or OpenSSH (PowerShell as the shell).
//
// It does not interpret PowerShell. It recognises the shapes of the
// scripts patchbay sends by the cmdlets and COM calls they contain, and
// responds as Windows would: facts as JSON, the Windows Update Agent run
// from a scheduled task, Hyper-V VM cmdlets and restarts. Like Windows,
// it rejects WUA downloads and installs from a remote session with
// E_ACCESSDENIED and installs while a reboot is pending with
// WU_E_INSTALL_NOT_ALLOWED.
type windowsPersonality struct {
	server bool
	hyperV bool
}

func init() {
	Register("windows", &windowsPersonality{})
	Register("windows-server", &windowsPersonality{server: true})
	Register("hyperv", &windowsPersonality{server: true, hyperV: true})
}

// Facts of the Windows personalities' state.
const (
	// factGuests lists a Hyper-V host's VMs, comma-separated; the fleet
	// fills it from the inventory's guests.
	factGuests = "guests"
	// factVMState is the prefix of a VM's state ("Running", "Saved",
	// "Off"); a VM without the fact is Running.
	factVMState = "vm-state:"
	// factServicingUntil is the RFC 3339 instant until which TiWorker
	// finishes servicing after a boot.
	factServicingUntil = "servicing-until"
	// factWUUnreachable counts the next update searches that fail because
	// the update source is unreachable (WU_E_PT_WINHTTP_NAME_NOT_RESOLVED).
	factWUUnreachable = "wu-unreachable"
	// factTaskState is the prefix of a scheduled task's state ("Ready",
	// "Running"), and factTaskUser of the account it runs as.
	factTaskState = "task-state:"
	factTaskUser  = "task-user:"
	// factPendingRename marks PendingFileRenameOperations as set.
	factPendingRename = "pending-file-rename"
	// factServices lists the services that start with Windows,
	// comma-separated.
	factServices = "services"
)

// windowsServices start with every emulated Windows host. Workstations
// also run EHRClientSvc, the example fleet's EHR client service.
const windowsServices = "Dnscache,EventLog,LanmanServer,LanmanWorkstation,W32Time,WinRM,wuauserv"

// servicingAfterBoot is how long TiWorker runs after a boot that
// finished updates. It is short so that lab runs stay quick.
const servicingAfterBoot = 500 * time.Millisecond

func (p *windowsPersonality) Init(s *State, seed int) {
	s.DiskSizeMB, s.FreeDiskMB = 243200, 81920-int64(seed%7)*1024
	s.Facts[factServices] = windowsServices
	if p.server {
		initWindowsServer(s)
	} else {
		initWindowsClient(s, seed)
		s.Facts[factServices] += ",EHRClientSvc"
	}
	s.Installed = []Update{
		{ID: "KB5011048", Title: "Update for Microsoft .NET Framework 4.8.1", Source: "Updates"},
		{ID: "KB5015684", Title: "Feature update to Windows 10, version 22H2 enablement package", Source: "Updates"},
	}
}

func initWindowsClient(s *State, seed int) {
	s.OS = "Microsoft Windows 10 Pro"
	s.Build, s.Revision = "10.0.19045", 5131
	s.Facts["display-version"] = "22H2"
	if seed%2 == 1 {
		s.Users = []string{"frontdesk"}
	}
	s.Pending = []Update{
		{ID: "KB5048652", Title: "2024-12 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5048652)",
			Source: "Security Updates", SizeKB: 689152, NeedsReboot: true, Build: "10.0.19045", Revision: 5247},
		{ID: "KB5034441", Title: "2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)",
			Source: "Security Updates", SizeKB: 262144, NeedsReboot: true, FailCode: "0x80070643"},
		{ID: "KB890830", Title: "Windows Malicious Software Removal Tool x64 - v5.131 (KB890830)",
			Source: "Update Rollups", SizeKB: 73728},
		{ID: "KB2267602", Title: "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.421.1612.0)",
			Source: "Definition Updates", SizeKB: 1024},
	}
}

func initWindowsServer(s *State) {
	s.OS = "Microsoft Windows Server 2022 Standard"
	s.Build, s.Revision = "10.0.20348", 2849
	s.Facts["display-version"] = "21H2"
	s.Pending = []Update{
		{ID: "KB5048654", Title: "2024-12 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5048654)",
			Source: "Security Updates", SizeKB: 524288, NeedsReboot: true, Build: "10.0.20348", Revision: 2966},
		{ID: "KB890830", Title: "Windows Malicious Software Removal Tool x64 - v5.131 (KB890830)",
			Source: "Update Rollups", SizeKB: 73728},
	}
}

// Booted ends a running task, as a restart kills it, and starts the
// servicing that finishes the updates of the boot. Hyper-V VMs keep their
// states: the running ones start again by their automatic start action.
func (p *windowsPersonality) Booted(s *State) {
	for k, v := range s.Facts {
		if strings.HasPrefix(k, factTaskState) && v == "Running" {
			s.Facts[k] = "Ready"
		}
	}
	delete(s.Facts, factPendingRename)
	s.Facts[factServicingUntil] = s.BootTime.Add(servicingAfterBoot).UTC().Format(time.RFC3339Nano)
}

func (p *windowsPersonality) Exec(ctx context.Context, x *Exec) (int, error) {
	script := x.PowerShell
	if script != "" && isStdinBootstrap(script) {
		body, err := io.ReadAll(x.Stdin)
		if err != nil {
			return 0, err
		}
		script = string(body)
		x.PowerShell = script
	}
	if script == "" && x.Transport == "ssh" {
		// OpenSSH on Windows with PowerShell as the default shell runs the
		// exec line as PowerShell.
		script = x.Line
	}
	if script == "" {
		return p.runCmdLine(x)
	}
	return p.runPowerShell(ctx, x, script)
}

// isStdinBootstrap reports whether script only reads the real script from
// standard input, as clients do for scripts too long for cmd.exe.
func isStdinBootstrap(script string) bool {
	return strings.Contains(script, "[Console]::OpenStandardInput()") &&
		strings.Contains(script, "[ScriptBlock]::Create(")
}

// psShape is one kind of script the personality recognises.
type psShape struct {
	name  string
	match func(script string) bool
	run   func(p *windowsPersonality, x *Exec, script string) int
}

// psShapes are checked in order; the first match runs.
var psShapes = []psShape{
	{"scheduled task", containsAll("Register-ScheduledTask"), (*windowsPersonality).registerTask},
	{"task progress", containsAll("Get-ScheduledTask", "Get-Content"), (*windowsPersonality).taskProgress},
	{"direct WUA call", isDirectWUACall, (*windowsPersonality).directWUACall},
	{"facts", containsAll("Win32_OperatingSystem", "ConvertTo-Json"), (*windowsPersonality).facts},
	{"boot time", containsAll("Win32_OperatingSystem", "LastBootUpTime"), (*windowsPersonality).bootTime},
	{"VM list", containsAll("Get-VM", "ConvertTo-Json"), (*windowsPersonality).listVMs},
	{"service check", containsAll("Get-Service", "-Name"), (*windowsPersonality).serviceCheck},
	{"process check", containsAll("Get-Process", "-Name", "exit 1"), (*windowsPersonality).processCheck},
}

func containsAll(words ...string) func(string) bool {
	return func(script string) bool {
		for _, w := range words {
			if !strings.Contains(script, w) {
				return false
			}
		}
		return true
	}
}

func (p *windowsPersonality) runPowerShell(_ context.Context, x *Exec, script string) (int, error) {
	for _, shape := range psShapes {
		if shape.match(script) {
			return shape.run(p, x, script), nil
		}
	}
	return p.runStatements(x, script), nil
}

// cmdLinePattern splits a cmd.exe line into the program and its
// arguments.
var cmdLinePattern = regexp.MustCompile(`^\s*"?([^"\s]+)"?\s*(.*)$`)

// runCmdLine runs the cmd.exe lines the lab emulates: shutdown, hostname,
// echo and ver.
func (p *windowsPersonality) runCmdLine(x *Exec) (int, error) {
	return p.runNative(x, x.Line), nil
}

// runNative runs one program line as cmd.exe or PowerShell starts it.
func (p *windowsPersonality) runNative(x *Exec, line string) int {
	m := cmdLinePattern.FindStringSubmatch(line)
	if m == nil {
		return 0
	}
	program := strings.TrimSuffix(strings.ToLower(m[1][strings.LastIndexAny(m[1], `\/`)+1:]), ".exe")
	switch program {
	case "shutdown":
		return runWindowsShutdown(x, strings.Fields(m[2]))
	case "hostname":
		fmt.Fprintf(x.Stdout, "%s\r\n", strings.ToUpper(x.Host.Name()))
		return 0
	case "echo":
		fmt.Fprintf(x.Stdout, "%s\r\n", m[2])
		return 0
	case "ver":
		s := x.Host.Snapshot()
		fmt.Fprintf(x.Stdout, "\r\nMicrosoft Windows [Version %s.%d]\r\n", s.Build, s.Revision)
		return 0
	}
	if x.PowerShell != "" || x.Transport == "ssh" {
		return notRecognized(x, m[1])
	}
	fmt.Fprintf(x.Stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", m[1])
	return 9009
}

// runWindowsShutdown handles shutdown.exe /r with /t, /f, /d and /c. A
// restart in 0 seconds still lets the reply reach the client, as the
// host's shutdown delay applies.
func runWindowsShutdown(x *Exec, args []string) int {
	restart, delay := false, 30*time.Second
	for i := 0; i < len(args); i++ {
		switch strings.ToLower(args[i]) {
		case "/r", "-r":
			restart = true
		case "/t", "-t":
			if i+1 < len(args) {
				var secs int
				fmt.Sscanf(args[i+1], "%d", &secs)
				delay = time.Duration(secs) * time.Second
				i++
			}
		}
	}
	if !restart {
		fmt.Fprint(x.Stderr, "lab: only shutdown /r is emulated; a host shut down would never come back\r\n")
		return 1
	}
	if delay == 0 {
		x.Host.Reboot()
		return 0
	}
	x.Host.Change(func(s *State) {
		s.Facts["scheduled-reboot"] = x.Host.Clock().Now().Add(delay).UTC().Format(time.RFC3339)
	})
	x.Host.Clock().AfterFunc(delay, x.Host.Reboot)
	return 0
}

// pinWindowsBuild starts a Windows host at the build an exception pins,
// such as "10.0.19045.3803", as the excepted machine really is. Other
// platforms and versions without a revision are left as they are.
func pinWindowsBuild(h *Host, version string) {
	if _, ok := h.personality.(*windowsPersonality); !ok {
		return
	}
	i := strings.LastIndexByte(version, '.')
	if i < 0 || strings.Count(version, ".") != 3 {
		return
	}
	revision, err := strconv.Atoi(version[i+1:])
	if err != nil {
		return
	}
	h.state.Build, h.state.Revision = version[:i], revision
}
