package actions

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"patchbay/remote/lab"
)

// runNamedKB installs KB5034763, the February 2024 cumulative update for
// Windows 10 22H2, which the lab's Windows 10 host does not offer.
func runNamedKB(t *testing.T, w *winLab, fixedBuilds string) error {
	t.Helper()
	p := params("named_only", "true", "kbs", "KB5034763", "fixed_builds", fixedBuilds)
	return runAction(t, "windows.update", w.x, p)
}

func TestNamedKBNotPendingAtFixedBuild(t *testing.T) {
	w := newWinLab(t, "windows") // build 10.0.19045.5131
	if err := runNamedKB(t, w, "10.0.22631.3155,10.0.19045.4046"); err != nil {
		t.Fatalf("err = %v, want the host done without an install", err)
	}
	want := "not-needed: not needed: none of KB5034763 pending (build 10.0.19045.5131, at or above the fixed build 10.0.19045.4046)"
	if !slices.Contains(w.rep.decisions, want) {
		t.Errorf("decisions = %v, want %q", w.rep.decisions, want)
	}
	if len(w.x.Installed) != 0 {
		t.Errorf("installed = %v, want nothing", w.x.Installed)
	}
}

func TestNamedKBNotPendingBelowFixedBuild(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.Change(func(s *lab.State) { s.Revision = 3930 })
	err := runNamedKB(t, w, "10.0.19045.4046")
	if !errors.Is(err, ErrKBsNotOffered) {
		t.Fatalf("err = %v, want ErrKBsNotOffered", err)
	}
	if !strings.Contains(err.Error(), "below the fixed build 10.0.19045.4046") {
		t.Errorf("err = %v, want the fixed build named", err)
	}
}

func TestNamedKBNotPendingWithoutFixedBuild(t *testing.T) {
	w := newWinLab(t, "windows")
	err := runNamedKB(t, w, "10.0.22631.3155")
	if !errors.Is(err, ErrKBsNotOffered) {
		t.Fatalf("err = %v, want ErrKBsNotOffered without a fixed build for 19045", err)
	}
	if !strings.Contains(err.Error(), "no fixed build for build number 19045") {
		t.Errorf("err = %v, want the missing build number named", err)
	}
}
