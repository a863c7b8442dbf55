package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanFindsConfigInventory checks that plan searches for the
// inventory as check and status do, down to the user's config folder.
func TestPlanFindsConfigInventory(t *testing.T) {
	config := t.TempDir()
	fleet, err := os.ReadFile(runFleet)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(config, "patchbay")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "inventory"), fleet, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XDG_CONFIG_HOME": config}
	res := runPatchCLIEnv(t, env, "--state", t.TempDir(), "plan", "facts")
	if res.code != ExitOK {
		t.Fatalf("exit = %d, want %d; stderr:\n%s", res.code, ExitOK, res.stderr)
	}
	if !strings.Contains(res.stdout, "Plan for facts") {
		t.Errorf("stdout lacks the plan:\n%s", res.stdout)
	}
}
