package lab

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FaultKind names a fault that can be injected into a host.
type FaultKind string

// The faults a host can carry. Some act in the host (the command runs
// differently), others in the protocol servers (see Fleet).
const (
	FaultOffline            FaultKind = "offline"              // no server: connections are refused
	FaultSlow               FaultKind = "slow"                 // every command waits ARG (default 2s) before it starts
	FaultSilent             FaultKind = "silent"               // commands print nothing and never finish
	FaultAuthRejected       FaultKind = "auth-rejected"        // the servers reject every login
	FaultHostKeyChanged     FaultKind = "host-key-changed"     // SSH presents a key other than the one in known_hosts
	FaultDropMidCommand     FaultKind = "drop-mid-command"     // the connection drops after part of the output
	FaultRebootNeverReturns FaultKind = "reboot-never-returns" // a reboot leaves the host offline
	FaultRebootLoop         FaultKind = "reboot-loop"          // after a reboot the same updates are pending again
	FaultUpdateFails        FaultKind = "update-fails"         // installing fails with the HRESULT ARG
	FaultHugeOutput         FaultKind = "huge-output"          // every command adds ARG bytes (default 8MiB) of output
	FaultCLIXMLStderr       FaultKind = "clixml-stderr"        // PowerShell commands write CLIXML progress to stderr
	FaultWinRMTimedOutPolls FaultKind = "winrm-timedout-polls" // WinRM fails ARG (default 3) Receive polls with w:TimedOut
	FaultShellLost          FaultKind = "shell-lost"           // the WinRM shell disappears under a command
)

// faultSpec describes the argument a fault kind takes.
type faultSpec struct {
	arg   string // "" for none, else how the argument reads in help text
	parse func(arg string) error
}

var faultSpecs = map[FaultKind]faultSpec{
	FaultOffline:            {},
	FaultSlow:               {"DURATION", checkDuration},
	FaultSilent:             {},
	FaultAuthRejected:       {},
	FaultHostKeyChanged:     {},
	FaultDropMidCommand:     {},
	FaultRebootNeverReturns: {},
	FaultRebootLoop:         {},
	FaultUpdateFails:        {"HRESULT", checkHRESULT},
	FaultHugeOutput:         {"BYTES", checkSize},
	FaultCLIXMLStderr:       {},
	FaultWinRMTimedOutPolls: {"COUNT", checkCount},
	FaultShellLost:          {},
}

// FaultKinds returns every fault kind, sorted, with its argument, such as
// "slow[:DURATION]".
func FaultKinds() []string {
	var out []string
	for k, spec := range faultSpecs {
		s := string(k)
		if spec.arg != "" {
			s += "[:" + spec.arg + "]"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Faults are the faults injected into one host: kind to argument, which is
// empty where the kind takes none or the default applies.
type Faults map[FaultKind]string

// Has reports whether the fault k is set.
func (f Faults) Has(k FaultKind) bool {
	_, ok := f[k]
	return ok
}

func (f Faults) clone() Faults { return maps.Clone(f) }

// SlowDelay returns the delay of the slow fault, or 0 without it.
func (f Faults) SlowDelay() time.Duration {
	arg, ok := f[FaultSlow]
	if !ok {
		return 0
	}
	if arg == "" {
		return 2 * time.Second
	}
	d, _ := time.ParseDuration(arg)
	return d
}

// HugeOutputBytes returns the size of the huge-output fault, or 0.
func (f Faults) HugeOutputBytes() int64 {
	arg, ok := f[FaultHugeOutput]
	if !ok {
		return 0
	}
	if arg == "" {
		return 8 << 20
	}
	n, _ := parseSize(arg)
	return n
}

// TimedOutPolls returns how many Receive polls the winrm-timedout-polls
// fault fails with w:TimedOut, or 0.
func (f Faults) TimedOutPolls() int {
	arg, ok := f[FaultWinRMTimedOutPolls]
	if !ok {
		return 0
	}
	if arg == "" {
		return 3
	}
	n, _ := strconv.Atoi(arg)
	return n
}

// UpdateFailCode returns the HRESULT of the update-fails fault, such as
// "0x80240022", or "" without it. The default is WU_E_ALL_UPDATES_FAILED.
func (f Faults) UpdateFailCode() string {
	arg, ok := f[FaultUpdateFails]
	if !ok {
		return ""
	}
	if arg == "" {
		return "0x80240022"
	}
	return normalizeHRESULT(arg)
}

// ParseFaults parses a list such as "ent-ws1=offline,ent-ws2=slow:5s" into
// faults per host. Every host must be in hosts; the argument of
// update-fails may also follow an equals sign ("h=update-fails=0x80240022").
func ParseFaults(spec string, hosts []string) (map[string]Faults, error) {
	out := map[string]Faults{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		host, kind, arg, err := parseFault(item, hosts)
		if err != nil {
			return nil, err
		}
		if out[host] == nil {
			out[host] = Faults{}
		}
		out[host][kind] = arg
	}
	return out, nil
}

func parseFault(item string, hosts []string) (string, FaultKind, string, error) {
	host, rest, ok := strings.Cut(item, "=")
	if !ok || host == "" || rest == "" {
		return "", "", "", fmt.Errorf("fault %q: want HOST=KIND[:ARG], such as %s=offline", item, firstOr(hosts, "ent-ws1"))
	}
	if !slices.Contains(hosts, host) {
		return "", "", "", fmt.Errorf("fault %q: host %q is not in the lab fleet; lab hosts are named as in the inventory, such as %s",
			item, host, firstOr(hosts, "ent-ws1"))
	}
	name, arg, _ := strings.Cut(rest, ":")
	if n, a, found := strings.Cut(rest, "="); found && !strings.Contains(n, ":") {
		name, arg = n, a
	}
	kind := FaultKind(name)
	spec, known := faultSpecs[kind]
	if !known {
		return "", "", "", fmt.Errorf("fault %q: unknown kind %q; the kinds are %s", item, name, strings.Join(FaultKinds(), ", "))
	}
	if arg != "" && spec.parse == nil {
		return "", "", "", fmt.Errorf("fault %q: %s takes no argument; remove %q", item, name, ":"+arg)
	}
	if arg != "" {
		if err := spec.parse(arg); err != nil {
			return "", "", "", fmt.Errorf("fault %q: %w", item, err)
		}
	}
	return host, kind, arg, nil
}

func firstOr(list []string, fallback string) string {
	if len(list) > 0 {
		return list[0]
	}
	return fallback
}

func checkDuration(arg string) error {
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q; use a Go duration such as 5s or 1m30s", arg)
	}
	return nil
}

func checkCount(arg string) error {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 {
		return fmt.Errorf("invalid count %q; use a whole number of at least 1", arg)
	}
	return nil
}

func checkSize(arg string) error {
	if _, err := parseSize(arg); err != nil {
		return err
	}
	return nil
}

// parseSize reads a byte count with an optional KiB, MiB or GiB suffix.
func parseSize(arg string) (int64, error) {
	mult := int64(1)
	num := arg
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(arg, suffix) {
			num, mult = strings.TrimSuffix(arg, suffix), m
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid size %q; use a byte count such as 1048576 or 16MiB", arg)
	}
	return n * mult, nil
}

func checkHRESULT(arg string) error {
	code := normalizeHRESULT(arg)
	if _, ok := LookupWUError(code); !ok {
		return fmt.Errorf("unknown Windows Update HRESULT %q; use a WU_E_ code such as 0x80240022 (WU_E_ALL_UPDATES_FAILED)", arg)
	}
	return nil
}
