package winrmremote_test

import (
	"context"
	"fmt"
	"testing"

	"patchbay/remote"
	"patchbay/remote/conformance"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/winrmremote"
)

// labCommands are the cmd.exe lines that labHost runs.
var labCommands = conformance.Commands{
	Echo:       func(text string) string { return "echo " + text },
	EchoStderr: func(text string) string { return "echo " + text + " 1>&2" },
	Exit:       func(code int) string { return fmt.Sprintf("exit /b %d", code) },
	Stream:     "lab-stream",
	Large:      func(n int) string { return fmt.Sprintf("lab-large %d", n) },
	Binary:     "lab-binary",
	Cat:        "lab-cat",
	ReadFile:   func(path string) string { return `type "` + path + `"` },
	Join:       func(dir, name string) string { return dir + `\` + name },
}

func TestConformance(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			stalled := startLab(t, m, wsman.Faults{Silent: true})
			wrong := l.cfg
			wrong.Password = staticPassword("not-the-password")
			dir := 0
			conformance.Run(t, conformance.Target{
				Dial:     func(ctx context.Context) (remote.Session, error) { return winrmremote.Dial(ctx, l.cfg) },
				Commands: labCommands,
				TempDir: func(t *testing.T) string {
					dir++
					return fmt.Sprintf(`C:\Windows\Temp\patchbay-%d`, dir)
				},
				Faults: conformance.Faults{
					DialStalled: func(ctx context.Context) (remote.Session, error) {
						return winrmremote.Dial(ctx, stalled.cfg)
					},
					DialAuthRejected: func(ctx context.Context) (remote.Session, error) {
						return winrmremote.Dial(ctx, wrong)
					},
					// A reboot drops the connections and the shells. After a
					// drop alone the client reconnects between two polls and
					// the command goes on, which is right for WinRM, so the
					// suite's check would depend on timing.
					DropConnections: func() {
						l.srv.LoseShells()
						l.srv.DropConnections()
					},
				},
			})
		})
	}
}
