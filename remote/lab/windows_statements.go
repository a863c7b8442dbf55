package lab

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// wrapperPrefixes start the lines that clients put around a script (the
// UTF-8 prelude, try and catch, the exit with the last exit code). The
// statement runner skips them.
var wrapperPrefixes = []string{
	"$ProgressPreference", "$OutputEncoding", "$global:LASTEXITCODE", "$ErrorActionPreference",
	"[Console]::", "try {", "}", "exit $global:LASTEXITCODE", "#",
}

// cmdletPattern reads a statement's cmdlet name and its arguments.
var cmdletPattern = regexp.MustCompile(`^([A-Za-z]+-[A-Za-z]+|exit)\b\s*(.*)$`)

// runStatements runs a script line by line for the cmdlets the lab emulates
// and fails at the first other one, as PowerShell does with
// $ErrorActionPreference = 'Stop'.
func (p *windowsPersonality) runStatements(x *Exec, script string) int {
	inCatch := false
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasSuffix(line, "catch {") {
			// Only a failing statement would enter the catch block, and a
			// failing statement ends the run here.
			inCatch = true
			continue
		}
		if inCatch || line == "" || isWrapperLine(line) {
			inCatch = inCatch && line != "}"
			continue
		}
		m := cmdletPattern.FindStringSubmatch(line)
		if m == nil {
			// PowerShell runs native programs such as shutdown.exe too.
			return p.runNative(x, line)
		}
		if m[1] == "exit" {
			code, _ := strconv.Atoi(strings.TrimSpace(m[2]))
			return code
		}
		if code, ok := p.runCmdlet(x, m[1], m[2]); !ok || code != 0 {
			if !ok {
				return notRecognized(x, m[1])
			}
			return code
		}
	}
	return 0
}

func isWrapperLine(line string) bool {
	for _, prefix := range wrapperPrefixes {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

func notRecognized(x *Exec, name string) int {
	fmt.Fprintf(x.Stderr, "%s : The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n"+
		"    + CategoryInfo          : ObjectNotFound: (%s:String) [], CommandNotFoundException\r\n"+
		"    + FullyQualifiedErrorId : CommandNotFoundException\r\n", name, name, name)
	return 1
}

// runCmdlet runs one cmdlet. ok is false for a cmdlet the lab does not
// know on this host.
func (p *windowsPersonality) runCmdlet(x *Exec, name, args string) (code int, ok bool) {
	switch strings.ToLower(name) {
	case "write-output":
		fmt.Fprintf(x.Stdout, "%s\r\n", unquote(args))
		return 0, true
	case "new-item":
		return 0, true
	case "set-content":
		return setContent(x, args), true
	case "get-content":
		return getContent(x, args), true
	case "remove-item":
		x.Host.ChangeIf(func(s *State) bool {
			path := firstGroup(literalPathPattern, args)
			_, had := s.Files[path]
			delete(s.Files, path)
			return had
		})
		return 0, true
	case "restart-computer":
		x.Host.Reboot()
		return 0, true
	case "save-vm", "stop-vm", "start-vm":
		if !p.hyperV {
			return 0, false
		}
		return changeVM(x, strings.ToLower(name), args), true
	}
	return 0, false
}

var (
	literalPathPattern = regexp.MustCompile(`-LiteralPath\s+'((?:[^']|'')*)'`)
	valuePattern       = regexp.MustCompile(`-Value\s+'((?:[^']|'')*)'`)
	namePattern        = regexp.MustCompile(`-Name\s+'((?:[^']|'')*)'`)
)

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

func setContent(x *Exec, args string) int {
	path := strings.ReplaceAll(firstGroup(literalPathPattern, args), "''", "'")
	value := strings.ReplaceAll(firstGroup(valuePattern, args), "''", "'")
	if path == "" {
		fmt.Fprint(x.Stderr, "Set-Content : the lab needs -LiteralPath 'PATH' -Value 'TEXT'\r\n")
		return 1
	}
	x.Host.Change(func(s *State) { s.Files[path] = []byte(value + "\r\n") })
	return 0
}

func getContent(x *Exec, args string) int {
	path := strings.ReplaceAll(firstGroup(literalPathPattern, args), "''", "'")
	var data []byte
	var ok bool
	x.Host.View(func(s *State) { data, ok = s.Files[path] })
	if !ok {
		if strings.Contains(args, "SilentlyContinue") {
			return 0
		}
		fmt.Fprintf(x.Stderr, "Get-Content : Cannot find path '%s' because it does not exist.\r\n", path)
		return 1
	}
	x.Stdout.Write(data)
	return 0
}

// vmInfo is one VM as the VM list script prints it.
type vmInfo struct {
	Name  string `json:"Name"`
	State string `json:"State"`
}

// vmStates returns the host's VMs, sorted by name.
func vmStates(s *State) []vmInfo {
	var vms []vmInfo
	for _, name := range strings.Split(s.Facts[factGuests], ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		state := s.Facts[factVMState+name]
		if state == "" {
			state = "Running"
		}
		vms = append(vms, vmInfo{Name: name, State: state})
	}
	sort.Slice(vms, func(i, j int) bool { return vms[i].Name < vms[j].Name })
	return vms
}

func (p *windowsPersonality) listVMs(x *Exec, _ string) int {
	if !p.hyperV {
		return notRecognized(x, "Get-VM")
	}
	s := x.Host.Snapshot()
	vms := vmStates(&s)
	if vms == nil {
		vms = []vmInfo{}
	}
	out, _ := json.Marshal(vms)
	fmt.Fprintf(x.Stdout, "%s\r\n", out)
	return 0
}

// changeVM runs Save-VM, Stop-VM or Start-VM on one VM. Like Hyper-V, it
// rejects saving a VM that is off and accepts a VM already in the target
// state.
func changeVM(x *Exec, cmdlet, args string) int {
	name := strings.ReplaceAll(firstGroup(namePattern, args), "''", "'")
	target := map[string]string{"save-vm": "Saved", "stop-vm": "Off", "start-vm": "Running"}[cmdlet]
	code := 0
	x.Host.ChangeIf(func(s *State) bool {
		i := slices.IndexFunc(vmStates(s), func(v vmInfo) bool { return v.Name == name })
		if i < 0 {
			fmt.Fprintf(x.Stderr, "%s : Hyper-V was unable to find a virtual machine with name \"%s\".\r\n", cmdletTitle(cmdlet), name)
			code = 1
			return false
		}
		current := vmStates(s)[i].State
		if current == target {
			return false
		}
		if cmdlet == "save-vm" && current != "Running" {
			fmt.Fprintf(x.Stderr, "Save-VM : The operation cannot be performed while the virtual machine is in its current state (%s).\r\n", current)
			code = 1
			return false
		}
		s.Facts[factVMState+name] = target
		return true
	})
	return code
}

func cmdletTitle(cmdlet string) string {
	verb, noun, _ := strings.Cut(cmdlet, "-")
	return strings.ToUpper(verb[:1]) + verb[1:] + "-" + strings.ToUpper(noun)
}

// SetHyperVGuests gives the Hyper-V host h running VMs of the given
// names, such as the guests the inventory lists.
func SetHyperVGuests(h *Host, names ...string) {
	h.Change(func(s *State) {
		for k := range s.Facts {
			if strings.HasPrefix(k, factVMState) {
				delete(s.Facts, k)
			}
		}
		s.Facts[factGuests] = strings.Join(names, ",")
	})
}

// HyperVVMStates returns the state of each VM of the Hyper-V host h by
// name, as Get-VM prints it ("Running", "Saved", "Off").
func HyperVVMStates(h *Host) map[string]string {
	states := map[string]string{}
	h.View(func(s *State) {
		for _, vm := range vmStates(s) {
			states[vm.Name] = vm.State
		}
	})
	return states
}

// SetHyperVVMState sets one VM's state, for tests that start from a VM
// that is off or saved.
func SetHyperVVMState(h *Host, name, state string) {
	h.Change(func(s *State) { s.Facts[factVMState+name] = state })
}
