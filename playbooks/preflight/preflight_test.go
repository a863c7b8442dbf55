package preflight

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
)

// reply is a scripted result of one command.
type reply struct {
	stdout, stderr string
	code           int
	err            error
}

// scripted is a session that replies from a table keyed by command line,
// or by "powershell" for any script. It records the commands it ran.
type scripted struct {
	replies map[string]reply
	ran     []remote.Command
}

func (s *scripted) Run(_ context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	s.ran = append(s.ran, cmd)
	key := cmd.Line
	if cmd.PowerShell != "" {
		key = "powershell"
	}
	r, ok := s.replies[key]
	if !ok {
		r = reply{stderr: "sh: 1: not found", code: 127}
	}
	io.WriteString(stdout, r.stdout)
	io.WriteString(stderr, r.stderr)
	switch {
	case r.err != nil:
		return r.err
	case r.code != 0:
		return &remote.ExitError{Code: r.code}
	}
	return nil
}

func (s *scripted) CopyFile(context.Context, io.Reader, int64, string, fs.FileMode) error {
	return fmt.Errorf("copy is not scripted")
}

func (s *scripted) Close() error { return nil }

// fakeDialer returns its session, or its error.
type fakeDialer struct {
	session *scripted
	err     error
}

func (d fakeDialer) Dial(context.Context, *inventory.Host) (remote.Session, error) {
	if d.err != nil {
		return nil, d.err
	}
	return d.session, nil
}

var checkTime = time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{Now: func() time.Time { return checkTime }}
}

func linuxHost(platform inventory.Platform) *inventory.Host {
	return &inventory.Host{Name: "lin-01", Site: "lab", Platform: platform,
		Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "patchbay", Port: 22}}
}

func healthyLinux() map[string]reply {
	return map[string]reply{
		"date -u +%s": {stdout: fmt.Sprintf("%d\n", checkTime.Unix()+30)},
		"df -Pk /": {stdout: "Filesystem     1024-blocks     Used Available Capacity Mounted on\n" +
			"/dev/sda1         30830592 10485760  20344832      35% /\n"},
		"test -f /var/run/reboot-required": {code: 1},
		"sudo -n true":                     {},
	}
}

// find returns the check named name, failing the test when it is missing.
func find(t *testing.T, r Result, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("result of %s has no %s check: %+v", r.Host, name, r.Checks)
	return Check{}
}

func TestLinuxHealthyPasses(t *testing.T) {
	s := &scripted{replies: healthyLinux()}
	r := Host(context.Background(), fakeDialer{session: s}, linuxHost(inventory.PlatformLinuxApt), testOptions())
	if r.Failed {
		t.Errorf("healthy host failed: %+v", r.Checks)
	}
	for _, name := range []string{CheckReachable, CheckHostKey, CheckAuth, CheckClock, CheckDisk, CheckReboot, CheckSudo} {
		if c := find(t, r, name); c.Status != StatusPass {
			t.Errorf("%s: status %s (%s), want pass", name, c.Status, c.Detail)
		}
	}
	for _, cmd := range s.ran {
		if !cmd.ReadOnly {
			t.Errorf("command %q is not declared read-only", cmd)
		}
	}
}

func TestLinuxProblemsCarryFixes(t *testing.T) {
	replies := healthyLinux()
	replies["date -u +%s"] = reply{stdout: fmt.Sprintf("%d\n", checkTime.Add(-7*time.Minute).Unix())}
	replies["df -Pk /"] = reply{stdout: "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 30830592 30000000 524288 98% /\n"}
	replies["test -f /var/run/reboot-required"] = reply{}
	replies["cat /var/run/reboot-required.pkgs"] = reply{stdout: "linux-image-6.1.0-28-amd64\nlibc6\n"}
	replies["sudo -n true"] = reply{stderr: "sudo: a password is required\n", code: 1}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: replies}}, linuxHost(inventory.PlatformLinuxApt), testOptions())

	if !r.Failed {
		t.Error("host with problems did not fail")
	}
	want := map[string]struct {
		status Status
		detail string
	}{
		CheckClock:  {StatusFail, "7m0s behind"},
		CheckDisk:   {StatusFail, "0.5 GiB free"},
		CheckReboot: {StatusWarn, "linux-image-6.1.0-28-amd64, libc6"},
		CheckSudo:   {StatusFail, "a password is required"},
	}
	for name, w := range want {
		c := find(t, r, name)
		if c.Status != w.status {
			t.Errorf("%s: status %s, want %s", name, c.Status, w.status)
		}
		if !strings.Contains(c.Detail, w.detail) {
			t.Errorf("%s: detail %q, want it to contain %q", name, c.Detail, w.detail)
		}
		if c.Fix == "" {
			t.Errorf("%s: no fix", name)
		}
	}
}

func TestDnfRebootReasons(t *testing.T) {
	replies := healthyLinux()
	replies["needs-restarting -r"] = reply{code: 1, stdout: "Core libraries or services have been updated since boot-up:\n  * kernel\n  * systemd\n\n" +
		"Reboot is required to fully utilize these updates.\n"}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: replies}}, linuxHost(inventory.PlatformLinuxDnf), testOptions())
	c := find(t, r, CheckReboot)
	if c.Status != StatusWarn || !strings.Contains(c.Detail, "kernel, systemd") {
		t.Errorf("reboot check = %+v, want a warning naming kernel and systemd", c)
	}
}

func TestDialFailureSkipsLaterChecks(t *testing.T) {
	cases := []struct {
		kind   remote.Kind
		failed string
		passed []string
	}{
		{remote.KindConnectionRefused, CheckReachable, nil},
		{remote.KindUnreachable, CheckReachable, nil},
		{remote.KindUnknownHostKey, CheckHostKey, []string{CheckReachable}},
		{remote.KindHostKeyChanged, CheckHostKey, []string{CheckReachable}},
		{remote.KindAuthRejected, CheckAuth, []string{CheckReachable, CheckHostKey}},
		{remote.KindCredential, CheckAuth, []string{CheckReachable, CheckHostKey}},
		{remote.KindNoCommonAlgorithm, CheckTransport, []string{CheckReachable}},
		{remote.KindCertificateUntrusted, CheckTransport, []string{CheckReachable}},
		{remote.KindTimeout, CheckReachable, nil},
	}
	for _, tc := range cases {
		t.Run(tc.kind.String(), func(t *testing.T) {
			err := &remote.Error{Host: "lin-01", Kind: tc.kind, Op: "dial", Detail: "the facts"}
			r := Host(context.Background(), fakeDialer{err: err}, linuxHost(inventory.PlatformLinuxApt), testOptions())
			if !r.Failed {
				t.Error("host did not fail")
			}
			c := find(t, r, tc.failed)
			if c.Status != StatusFail || c.Fix != tc.kind.Advice() || !strings.Contains(c.Detail, "the facts") {
				t.Errorf("%s check = %+v, want a failure with the detail and the kind's advice", tc.failed, c)
			}
			for _, name := range tc.passed {
				if got := find(t, r, name).Status; got != StatusPass {
					t.Errorf("%s: status %s, want pass", name, got)
				}
			}
			if got := find(t, r, CheckAuth).Status; tc.failed != CheckAuth && got != StatusSkip {
				t.Errorf("authentication: status %s, want skip", got)
			}
			if strings.Contains(c.Detail, c.Fix) {
				t.Errorf("detail %q repeats the fix", c.Detail)
			}
		})
	}
}

func TestLostSessionSkipsLaterChecks(t *testing.T) {
	replies := healthyLinux()
	replies["date -u +%s"] = reply{err: &remote.Error{Host: "lin-01", Kind: remote.KindTimeout, Op: "run"}}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: replies}}, linuxHost(inventory.PlatformLinuxApt), testOptions())
	if c := find(t, r, CheckClock); c.Status != StatusFail || c.Fix != remote.KindTimeout.Advice() {
		t.Errorf("clock check = %+v, want a timeout failure", c)
	}
	for _, name := range []string{CheckDisk, CheckReboot, CheckSudo} {
		if got := find(t, r, name).Status; got != StatusSkip {
			t.Errorf("%s: status %s, want skip", name, got)
		}
	}
}

func windowsHost(user string) *inventory.Host {
	return &inventory.Host{Name: "fd-01", Site: "lab", Platform: inventory.PlatformWindows,
		Transport: inventory.Transport{Kind: inventory.TransportWinRM, User: user, HTTPS: true, Port: 5986}}
}

func windowsReply(t *testing.T, f WindowsFacts) map[string]reply {
	t.Helper()
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]reply{"powershell": {stdout: string(out) + "\r\n"}}
}

func TestWindowsHealthyPasses(t *testing.T) {
	f := WindowsFacts{UTCNow: checkTime.Format(time.RFC3339Nano), User: `CLINIC\patchbay`, Admin: true,
		WUStart: "Manual", WSUS: "http://wsus.clinic.test:8530", FreeDiskMB: 40960}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: windowsReply(t, f)}}, windowsHost(`CLINIC\patchbay`), testOptions())
	if r.Failed {
		t.Errorf("healthy host failed: %+v", r.Checks)
	}
	if c := find(t, r, CheckUpdateSource); !strings.Contains(c.Detail, "WSUS at http://wsus.clinic.test:8530") {
		t.Errorf("update source detail %q, want the WSUS server", c.Detail)
	}
	if c := find(t, r, CheckTransport); c.Status != StatusPass {
		t.Errorf("transport: %+v, want pass for HTTPS", c)
	}
}

func TestWindowsLocalAccountFiltered(t *testing.T) {
	f := WindowsFacts{UTCNow: checkTime.Add(10 * time.Minute).Format(time.RFC3339Nano), User: `FD-01\support`,
		TokenFilter: 0, RebootReasons: []string{"CBS RebootPending"}, WUStart: "Disabled", FreeDiskMB: 40960}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: windowsReply(t, f)}}, windowsHost("support"), testOptions())
	want := map[string]Status{CheckRemoteUAC: StatusFail, CheckAdmin: StatusFail, CheckClock: StatusFail,
		CheckReboot: StatusWarn, CheckUpdateService: StatusFail, CheckUpdateSource: StatusPass}
	for name, status := range want {
		if c := find(t, r, name); c.Status != status {
			t.Errorf("%s: status %s (%s), want %s", name, c.Status, c.Detail, status)
		}
	}
	if c := find(t, r, CheckRemoteUAC); !strings.Contains(c.Fix, "LocalAccountTokenFilterPolicy") {
		t.Errorf("remote UAC fix %q does not name the registry value", c.Fix)
	}
}

func TestInsecureWinRMFails(t *testing.T) {
	h := windowsHost(`CLINIC\patchbay`)
	h.Transport.Insecure = true
	f := WindowsFacts{UTCNow: checkTime.Format(time.RFC3339Nano), Admin: true, WUStart: "Manual", FreeDiskMB: 40960}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: windowsReply(t, f)}}, h, testOptions())
	if c := find(t, r, CheckTransport); c.Status != StatusFail || !strings.Contains(c.Fix, "ca_file") {
		t.Errorf("transport check = %+v, want a failure pointing to ca_file", c)
	}
}

func TestCiscoPrivilegeLevel(t *testing.T) {
	h := &inventory.Host{Name: "sw-01", Site: "lab", Platform: inventory.PlatformCiscoIOS,
		Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "admin", Port: 22}}
	for level, want := range map[int]Status{15: StatusPass, 1: StatusFail} {
		s := &scripted{replies: map[string]reply{"show privilege": {stdout: fmt.Sprintf("Current privilege level is %d\r\n", level)}}}
		r := Host(context.Background(), fakeDialer{session: s}, h, testOptions())
		if c := find(t, r, CheckPrivilege); c.Status != want {
			t.Errorf("level %d: status %s (%s), want %s", level, c.Status, c.Detail, want)
		}
	}
}

func TestRunKeepsHostOrder(t *testing.T) {
	hosts := []*inventory.Host{linuxHost(inventory.PlatformLinuxApt), windowsHost("x"), linuxHost(inventory.PlatformMacOS)}
	hosts[2].Name = "mac-01"
	err := &remote.Error{Kind: remote.KindConnectionRefused, Op: "dial"}
	results := Run(context.Background(), fakeDialer{err: err}, hosts, Options{Concurrency: 2})
	for i, r := range results {
		if r.Host != hosts[i].Name {
			t.Errorf("result %d is for %s, want %s", i, r.Host, hosts[i].Name)
		}
	}
}

func TestMacAppleSiliconWarns(t *testing.T) {
	for arch, want := range map[string]Status{"arm64": StatusWarn, "x86_64": StatusPass} {
		replies := healthyLinux()
		replies["uname -m"] = reply{stdout: arch + "\n"}
		r := Host(context.Background(), fakeDialer{session: &scripted{replies: replies}}, linuxHost(inventory.PlatformMacOS), testOptions())
		if c := find(t, r, CheckUpdateAuth); c.Status != want {
			t.Errorf("%s: status %s (%s), want %s", arch, c.Status, c.Detail, want)
		}
		if r.Failed {
			t.Errorf("%s: host failed: %+v", arch, r.Checks)
		}
	}
}

func TestExtraOutputStillParses(t *testing.T) {
	replies := healthyLinux()
	noise := strings.Repeat("x", 1000) + "\n"
	replies["date -u +%s"] = reply{stdout: replies["date -u +%s"].stdout + noise}
	replies["df -Pk /"] = reply{stdout: replies["df -Pk /"].stdout + noise}
	r := Host(context.Background(), fakeDialer{session: &scripted{replies: replies}}, linuxHost(inventory.PlatformLinuxApt), testOptions())
	for _, name := range []string{CheckClock, CheckDisk} {
		if c := find(t, r, name); c.Status != StatusPass {
			t.Errorf("%s: status %s (%s), want pass", name, c.Status, c.Detail)
		}
	}
}

func TestLostWindowsScriptNamed(t *testing.T) {
	lost := &remote.Error{Host: "fd-01", Kind: remote.KindShellLost, Op: "run"}
	s := &scripted{replies: map[string]reply{"powershell": {err: lost}}}
	r := Host(context.Background(), fakeDialer{session: s}, windowsHost(`CLINIC\patchbay`), testOptions())
	c := find(t, r, CheckWindowsScript)
	if c.Status != StatusFail || c.Fix != remote.KindShellLost.Advice() {
		t.Errorf("windows-checks = %+v, want a shell-lost failure", c)
	}
	if strings.HasPrefix(c.Detail, "run ") {
		t.Errorf("detail %q starts with the operation", c.Detail)
	}
}
