package actions

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/sshremote"
)

// TestWindowsOverOpenSSH patches an emulated Windows host reached over
// SSH, as OpenSSH for Windows serves it with PowerShell as the shell.
func TestWindowsOverOpenSSH(t *testing.T) {
	checkLeaks(t)
	host, err := lab.NewHost("ws-ssh", "windows", 0, lab.SystemClock{}, fastLabTiming)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sshserver.Start(sshserver.Config{Host: "ws-ssh", Handler: &lab.Handler{Host: host, Transport: "ssh"},
		Passwords: map[string]string{"patchbay": labPassword}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	known := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, srv.HostKey())
	if err := os.WriteFile(known, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	address, portText, _ := net.SplitHostPort(srv.Addr())
	port, _ := strconv.Atoi(portText)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(ctx context.Context) (remote.Session, error) {
		s, err := sshremote.Dial(ctx, sshremote.Config{Host: "ws-ssh", Address: address, Port: port, User: "patchbay",
			Auth:       []sshremote.AuthMethod{sshremote.Password(func() (string, error) { return labPassword, nil })},
			KnownHosts: []string{known}})
		if err != nil {
			return nil, err
		}
		return remote.Guard(s, "ws-ssh", remote.AccessFull), nil
	}
	s, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &winRecorder{}
	x := &Exec{Host: &inventory.Host{Name: "ws-ssh", Platform: inventory.PlatformWindows,
		Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "patchbay"}},
		Holds: []*inventory.Hold{winreHold}, Session: s, Redial: dial, MaxReboots: 1,
		Changes: true, Facts: Facts{}, Report: rec,
		Timing: Timing{Poll: 50 * time.Millisecond, Reboot: map[string]time.Duration{"server": 20 * time.Second}}}
	defer func() { x.Session.Close() }()

	if err := runAction(t, "facts", x, nil); err != nil {
		t.Fatal(err)
	}
	if got := x.Facts.Text(FactBuild); got != "10.0.19045.5131" {
		t.Errorf("build over SSH = %q", got)
	}
	if err := runAction(t, "windows.update", x, nil); err != nil {
		t.Fatal(err)
	}
	if got := rec.result("KB5048652"); got != "succeeded" {
		t.Errorf("KB5048652 over SSH = %q, want succeeded", got)
	}
	if !x.Facts.Bool(FactRebootPending) {
		t.Error("no reboot pending after the cumulative update over SSH")
	}
	if err := runAction(t, "reboot", x, params("if_needed", "true")); err != nil {
		t.Fatalf("reboot over SSH: %v", err)
	}
	if got := x.Facts.Text(FactBuild); got != "10.0.19045.5247" {
		t.Errorf("build after the reboot over SSH = %q, want 10.0.19045.5247", got)
	}
}
