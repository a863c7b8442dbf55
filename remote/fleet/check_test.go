package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/inventory/credential"
	"patchbay/remote/fleet"
)

func TestCheckCredential(t *testing.T) {
	w := startWorld(t)
	env := func(vars map[string]string) credential.Env {
		return credential.Env{Getenv: func(k string) string { return vars[k] }, Home: w.dir}
	}
	if err := fleet.CheckCredential(w.inv, w.inv.Host("lin-01"), env(nil)); err != nil {
		t.Errorf("file credential of mode 0600: %v", err)
	}
	if err := fleet.CheckCredential(w.inv, w.inv.Host("win-01"), env(winrmEnv)); err != nil {
		t.Errorf("env credential that is set: %v", err)
	}

	err := fleet.CheckCredential(w.inv, w.inv.Host("win-01"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "FLEET_TEST_WINRM is not set") {
		t.Errorf("unset variable: error %v, want it named", err)
	}
	if err := os.Chmod(filepath.Join(w.dir, "ssh-password"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = fleet.CheckCredential(w.inv, w.inv.Host("lin-01"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("file of mode 0644: error %v, want the chmod fix", err)
	}

	noCredential := *w.inv.Host("win-01")
	noCredential.Transport.Credential = ""
	err = fleet.CheckCredential(w.inv, &noCredential, env(map[string]string{"SSH_AUTH_SOCK": "/tmp/agent.sock"}))
	if err == nil || !strings.Contains(err.Error(), "WinRM needs a password") {
		t.Errorf("WinRM host without credential: error %v, want it rejected", err)
	}
}
