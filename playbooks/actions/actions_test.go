package actions

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/remote"
	"patchbay/state/event"
)

// scripted is a session that replies to commands from a table and
// records them.
type scripted struct {
	replies map[string]reply
	sent    []remote.Command
	copies  []string
}

type reply struct {
	out  string
	code int
}

func (s *scripted) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	s.sent = append(s.sent, cmd)
	r, ok := s.replies[cmd.String()]
	if !ok {
		return &remote.ExitError{Code: 127}
	}
	io.WriteString(stdout, r.out)
	if r.code != 0 {
		return &remote.ExitError{Code: r.code}
	}
	return nil
}

func (s *scripted) CopyFile(ctx context.Context, src io.Reader, size int64, dst string, mode fs.FileMode) error {
	s.copies = append(s.copies, dst)
	return nil
}

func (s *scripted) Close() error { return nil }

// recorder is a Reporter that stores every report it receives.
type recorder struct {
	states    []event.HostState
	decisions []string
	updates   []event.UpdateResult
	holds     []string
	facts     int
}

func (r *recorder) Status(s event.HostState)          { r.states = append(r.states, s) }
func (r *recorder) Decision(kind, detail string)      { r.decisions = append(r.decisions, kind+": "+detail) }
func (r *recorder) FactsRead(Facts)                   { r.facts++ }
func (r *recorder) UpdateResult(u event.UpdateResult) { r.updates = append(r.updates, u) }
func (r *recorder) HoldSet(item, reason string)       { r.holds = append(r.holds, item) }

func newExec(platform inventory.Platform, s *scripted) (*Exec, *recorder) {
	rec := &recorder{}
	return &Exec{
		Host:    &inventory.Host{Name: "h1", Platform: platform, Role: inventory.RoleServer, Transport: inventory.Transport{User: "patchbay"}},
		Reboot:  &inventory.RebootPolicy{Name: "allow", Mode: inventory.RebootAllow},
		Session: s, Facts: Facts{}, Stdout: io.Discard, Stderr: io.Discard, Report: rec,
		MaxReboots: 3, Now: func() time.Time { return time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) },
	}, rec
}

var aptHost = map[string]reply{
	"cat /etc/os-release":               {out: "NAME=\"Ubuntu\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n"},
	"uname -r":                          {out: "5.15.0-105-generic\n"},
	"uptime -s":                         {out: "2026-12-01 10:00:00\n"},
	"df -Pk /":                          {out: "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41152832 9000000 2097152 24% /\n"},
	"who":                               {out: "drsmith  pts/0  2026-12-04 09:00 (192.0.2.5)\nfrontdesk tty1 2026-12-04 08:00\ndrsmith pts/1 2026-12-04 09:10\n"},
	"apt list --upgradable":             {out: "Listing... Done\nopenssl/jammy-security 3.0.2-0ubuntu1.15 amd64 [upgradable from: 3.0.2-0ubuntu1.14]\nnginx/jammy-updates 1.18.0-6ubuntu14.5 amd64 [upgradable from: 1.18.0-6ubuntu14.4]\n"},
	"cat /var/run/reboot-required":      {out: "*** System restart required ***\n"},
	"cat /var/run/reboot-required.pkgs": {out: "linux-image-5.15.0-106-generic\n"},
}

func TestFactsApt(t *testing.T) {
	s := &scripted{replies: aptHost}
	x, rec := newExec(inventory.PlatformLinuxApt, s)
	if err := (factsAction{}).Run(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		FactOS: "Ubuntu 22.04.4 LTS", FactBuild: "5.15.0-105-generic", FactUptimeHours: 72.0,
		FactFreeDiskMB: 2048.0, FactUpdatesPending: 2.0, FactRebootPending: true,
		FactRebootReason: "*** System restart required *** linux-image-5.15.0-106-generic",
	}
	for name, want := range checks {
		if got := x.Facts[name]; got != want {
			t.Errorf("fact %s = %#v, want %#v", name, got, want)
		}
	}
	if got := strings.Join(x.Facts.Strings(FactUsers), ","); got != "drsmith,frontdesk" {
		t.Errorf("users = %s", got)
	}
	for _, c := range s.sent {
		if !c.ReadOnly {
			t.Errorf("facts sent %q without ReadOnly", c.Line)
		}
	}
	if rec.facts != 1 {
		t.Errorf("facts reported %d times, want 1", rec.facts)
	}
}

func TestAptUpgradeHoldsAndConffile(t *testing.T) {
	replies := map[string]reply{}
	for k, v := range aptHost {
		replies[k] = v
	}
	upgrade := "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confnew upgrade"
	replies["sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update"] = reply{}
	replies["sudo -n apt-mark hold openssl"] = reply{}
	replies["sudo -n apt-mark unhold openssl"] = reply{}
	replies[upgrade] = reply{out: "Setting up nginx (1.18.0-6ubuntu14.5) ...\n"}
	s := &scripted{replies: replies}
	x, rec := newExec(inventory.PlatformLinuxApt, s)
	x.Changes = true
	x.Holds = []*inventory.Hold{{ID: "H-ssl", Kind: inventory.HoldPackage, Item: "openssl"}}
	p := book.Params{"conffile": {Text: "take-new"}, "dist_upgrade": {Text: "false"}}
	err := (aptUpgrade{}).Run(context.Background(), x, p)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range s.sent {
		lines = append(lines, c.Line)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"apt-mark hold openssl", upgrade, "apt-mark unhold openssl"} {
		if !strings.Contains(all, want) {
			t.Errorf("commands lack %q:\n%s", want, all)
		}
	}
	if len(rec.updates) == 0 || rec.updates[0].ResultCode != "held" {
		t.Errorf("update results = %+v, want openssl held first", rec.updates)
	}
}

func TestAptUpgradeFailsWithoutTransientOnDpkgError(t *testing.T) {
	replies := map[string]reply{"sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update": {code: 100}}
	x, _ := newExec(inventory.PlatformLinuxApt, &scripted{replies: replies})
	err := (aptUpgrade{}).Run(context.Background(), x, nil)
	if !IsTransient(err) {
		t.Errorf("apt-get update failure = %v, want a transient error to retry", err)
	}
}

func TestRebootPolicyDefers(t *testing.T) {
	cases := []struct {
		name   string
		policy *inventory.RebootPolicy
		facts  Facts
		want   string
	}{
		{"never", &inventory.RebootPolicy{Name: "consoles", Mode: inventory.RebootNever}, Facts{}, `reboot policy "consoles" never reboots automatically`},
		{"user", &inventory.RebootPolicy{Name: "ws", Mode: inventory.RebootDefer, DeferUserLoggedOn: true}, Facts{FactUsers: []string{"nurse"}}, "while a user is logged on (nurse)"},
		{"app", &inventory.RebootPolicy{Name: "ws", Mode: inventory.RebootDefer, DeferApps: []string{"ViewerPro.exe"}}, Facts{FactAppsRunning: []string{"ViewerPro.exe"}}, "defers while ViewerPro.exe runs"},
		{"apps unknown", &inventory.RebootPolicy{Name: "ws", Mode: inventory.RebootDefer, DeferApps: []string{"ViewerPro.exe"}}, Facts{}, "the running applications are unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &scripted{}
			x, rec := newExec(inventory.PlatformLinuxApt, s)
			x.Reboot = c.policy
			x.Facts = c.facts
			x.Facts[FactRebootPending] = true
			err := (rebootAction{}).Run(context.Background(), x, nil)
			if !errors.Is(err, ErrRebootPending) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Run = %v, want ErrRebootPending with %q", err, c.want)
			}
			if len(s.sent) != 0 {
				t.Errorf("a deferred reboot sent %v", s.sent)
			}
			if len(rec.decisions) != 1 {
				t.Errorf("decisions = %v, want one reboot-deferred", rec.decisions)
			}
		})
	}
}

func TestRebootCapAndWindow(t *testing.T) {
	s := &scripted{replies: aptHost}
	x, _ := newExec(inventory.PlatformLinuxApt, s)
	x.Facts[FactRebootPending] = true
	x.Reboots = 3
	if err := (rebootAction{}).Run(context.Background(), x, nil); !errors.Is(err, ErrRebootCap) {
		t.Errorf("Run at the cap = %v, want ErrRebootCap", err)
	}
	x.Reboots = 0
	x.MayDisrupt = func() error { return errors.New("window of site s is closed") }
	if err := (rebootAction{}).Run(context.Background(), x, nil); !errors.Is(err, ErrRebootPending) {
		t.Errorf("Run with the window closed = %v, want ErrRebootPending", err)
	}
	x.MayDisrupt = nil
	x.Facts[FactRebootPending] = false
	if err := (rebootAction{}).Run(context.Background(), x, nil); err != nil || len(s.sent) != 0 {
		t.Errorf("Run without a pending reboot = %v after %v, want nothing sent", err, s.sent)
	}
}

func TestScriptCopiesAndRuns(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fix.sh")
	if err := os.WriteFile(file, []byte("#!/bin/sh\necho fixed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &scripted{replies: map[string]reply{"sh /tmp/patchbay-fix.sh --now": {out: "fixed\n"}}}
	x, _ := newExec(inventory.PlatformLinuxApt, s)
	x.Changes = true
	p := book.Params{"file": {Text: file}, "interpreter": {Text: "sh"}, "args": {IsList: true, List: []string{"--now"}}}
	if err := (scriptAction{}).Run(context.Background(), x, p); err != nil {
		t.Fatal(err)
	}
	if len(s.copies) != 1 || s.copies[0] != "/tmp/patchbay-fix.sh" {
		t.Errorf("copies = %v", s.copies)
	}
}

func TestShellOkExit(t *testing.T) {
	s := &scripted{replies: map[string]reply{"grep -q x /etc/motd": {code: 1}}}
	x, _ := newExec(inventory.PlatformLinuxApt, s)
	x.Changes = true
	p := book.Params{"command": {Text: "grep -q x /etc/motd"}}
	err := (shellAction{}).Run(context.Background(), x, p)
	var exit *remote.ExitError
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Errorf("Run = %v, want exit status 1", err)
	}
	p["ok_exit"] = book.Param{IsList: true, List: []string{"0", "1"}}
	if err := (shellAction{}).Run(context.Background(), x, p); err != nil {
		t.Errorf("Run with ok_exit 1 = %v", err)
	}
	if s.sent[0].ReadOnly {
		t.Error("a shell step that declares changes sent its command as read-only")
	}
}

func TestRegistryNames(t *testing.T) {
	got := strings.Join(Names(), ",")
	for _, want := range []string{"apt.upgrade", "dnf.upgrade", "facts", "powershell", "reboot", "script", "shell"} {
		if !strings.Contains(got, want) {
			t.Errorf("registry %s lacks %s", got, want)
		}
	}
	if _, ok := Resolve("no.such-action"); ok {
		t.Error("an unregistered action name resolved")
	}
}
