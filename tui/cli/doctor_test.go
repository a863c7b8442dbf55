package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"patchbay/playbooks/preflight"
	"patchbay/remote/lab"
)

// doctorFaults are the lab faults of the doctor test by host: the kind,
// and the text that shows its cause.
var doctorFaults = map[string]struct{ kind, cause string }{
	"ent-fd-02":   {"offline", "connection was refused"},
	"img-pacs-01": {"auth-rejected", "authentication was rejected"},
	"ent-mac-01":  {"host-key-changed", "host key has changed"},
	"img-read-01": {"auth-rejected", "authentication was rejected: HTTP 401"},
	"paeds-files": {"silent", "timed out"},
	"ent-gw":      {"drop-mid-command", "connection dropped during a command"},
	"paeds-fd-01": {"shell-lost", "remote shell was lost"},
}

// doctorStates are problems set in the hosts' state, with the text that
// shows each cause.
var doctorStates = map[string]struct {
	change func(s *lab.State)
	cause  string
}{
	"ent-fd-01":   {func(s *lab.State) { s.Facts[lab.FactClockSkew] = "-10m" }, "host clock is 10m0s behind"},
	"ent-dc-01":   {func(s *lab.State) { s.Facts[lab.FactWUStart] = "Disabled" }, "wuauserv) is disabled"},
	"ent-exam-01": {func(s *lab.State) { s.Facts[lab.FactNotAdmin] = "yes" }, "has no administrator rights"},
	"img-gw":      {func(s *lab.State) { s.FreeDiskMB = 512 }, "0.5 GiB free on the system volume, below"},
	"img-core":    {func(s *lab.State) { s.Facts[lab.FactPrivilege] = "1" }, "privilege level 1"},
}

// startDoctorLab starts the example fleet with the doctor faults and
// state problems, and returns it.
func startDoctorLab(t *testing.T) *lab.Fleet {
	t.Helper()
	var faults []string
	for host, fault := range doctorFaults {
		faults = append(faults, host+"="+fault.kind)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"),
		Faults: strings.Join(faults, ","), AddressBase: doctorAddressBase()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Close() })
	for host, problem := range doctorStates {
		f.Host(host).Change(problem.change)
	}
	return f
}

// doctorAddressBase returns a random lab address block, as the other lab
// tests do, so that test binaries running at once rarely bind the same
// addresses.
func doctorAddressBase() string {
	return fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(100), rand.IntN(256))
}

func TestDoctorAgainstLab(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
	f := startDoctorLab(t)
	env := map[string]string{"HOME": t.TempDir()}
	args := []string{"--inventory", f.InventoryPath(), "--state", t.TempDir(), "doctor", "--timeout", "3s"}

	res := runDoctorCLI(t, env, args...)
	if res.code != ExitFailures {
		t.Errorf("exit code %d, want %d; stderr %q", res.code, ExitFailures, res.stderr)
	}
	blocks := doctorBlocks(res.stdout)
	for host, fault := range doctorFaults {
		checkDoctorBlock(t, blocks, host, fault.cause)
	}
	for host, problem := range doctorStates {
		checkDoctorBlock(t, blocks, host, problem.cause)
	}
	if !strings.Contains(res.stdout, "6 medical devices not contacted") {
		t.Errorf("summary does not count the 6 medical devices:\n%s", res.stdout)
	}

	jsonRes := runDoctorCLI(t, env, append(args, "--json")...)
	var report doctorReport
	if err := json.Unmarshal([]byte(jsonRes.stdout), &report); err != nil {
		t.Fatalf("--json output: %v\n%s", err, jsonRes.stdout)
	}
	checkHealthyHostsPass(t, report)
	checkNoChangingCommand(t, f.CommandLogPath())
}

// runDoctorCLI runs patchbay with env as its whole environment and the
// real clock, which the lab hosts share.
func runDoctorCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr strings.Builder
	code := Main(args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }})
	return cliResult{code, stdout.String(), stderr.String()}
}

// doctorBlocks splits doctor's text output into the lines of each host,
// by host name.
func doctorBlocks(out string) map[string]string {
	blocks := map[string]string{}
	host := ""
	for _, line := range strings.Split(out, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			host = strings.Fields(line)[0]
		}
		blocks[host] += line + "\n"
	}
	return blocks
}

func checkDoctorBlock(t *testing.T, blocks map[string]string, host, cause string) {
	t.Helper()
	block := blocks[host]
	if !strings.Contains(strings.SplitN(block, "\n", 2)[0], "FAILED") {
		t.Errorf("%s is not marked FAILED:\n%s", host, block)
	}
	if !strings.Contains(block, cause) {
		t.Errorf("%s: output does not show %q:\n%s", host, cause, block)
	}
	if !strings.Contains(block, "fix: ") {
		t.Errorf("%s: output has no fix:\n%s", host, block)
	}
}

// checkHealthyHostsPass checks that every host without a problem passed.
func checkHealthyHostsPass(t *testing.T, report doctorReport) {
	t.Helper()
	if len(report.Hosts) < 20 {
		t.Fatalf("report has %d hosts, want the whole example fleet", len(report.Hosts))
	}
	for _, r := range report.Hosts {
		_, faulty := doctorFaults[r.Host]
		_, broken := doctorStates[r.Host]
		if r.Failed != (faulty || broken) {
			t.Errorf("%s: failed = %v, want %v; checks %+v", r.Host, r.Failed, faulty || broken, failedChecks(r))
		}
	}
	if report.Failed != len(doctorFaults)+len(doctorStates) {
		t.Errorf("report counts %d failed hosts, want %d", report.Failed, len(doctorFaults)+len(doctorStates))
	}
}

func failedChecks(r preflight.Result) []preflight.Check {
	var out []preflight.Check
	for _, c := range r.Checks {
		if c.Status == preflight.StatusFail {
			out = append(out, c)
		}
	}
	return out
}

// checkNoChangingCommand reads the lab's command log and fails for any
// command that changed a host.
func checkNoChangingCommand(t *testing.T, path string) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	lines := 0
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		lines++
		var entry struct {
			Host    string `json:"host"`
			Command string `json:"command"`
			Changes bool   `json:"changes"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &entry); err != nil {
			t.Fatalf("command log line %d: %v", lines, err)
		}
		if entry.Changes {
			t.Errorf("doctor changed %s with %q", entry.Host, entry.Command)
		}
	}
	if lines == 0 {
		t.Error("the command log is empty, so doctor sent no command")
	}
}
