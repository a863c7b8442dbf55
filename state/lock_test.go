package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/state/event"
)

func TestLockSitesRejectsSecondRun(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	first := LockHolder{Run: "r1", Operator: "alice", Started: testTime}
	locks, err := s.LockSites(ctx, first, "clinic-a", "clinic-b")
	if err != nil {
		t.Fatal(err)
	}

	_, err = s.LockSites(ctx, LockHolder{Run: "r2", Operator: "bob"}, "clinic-c", "clinic-b")
	if !errors.Is(err, ErrSiteLocked) {
		t.Fatalf("second lock = %v, want ErrSiteLocked", err)
	}
	var locked *SiteLockedError
	if !errors.As(err, &locked) {
		t.Fatalf("error %T is not a *SiteLockedError", err)
	}
	if locked.Site != "clinic-b" || locked.Holder.Run != "r1" || locked.Holder.Operator != "alice" {
		t.Errorf("holder = %s %+v, want clinic-b held by r1/alice", locked.Site, locked.Holder)
	}
	if locked.Holder.PID != os.Getpid() || !locked.Holder.Started.Equal(testTime) {
		t.Errorf("holder pid %d started %v, want %d, %v", locked.Holder.PID, locked.Holder.Started, os.Getpid(), testTime)
	}

	// The failed attempt must not keep clinic-c.
	other, err := s.LockSites(ctx, LockHolder{Run: "r3"}, "clinic-c")
	if err != nil {
		t.Fatalf("clinic-c stayed locked after a failed attempt: %v", err)
	}
	other.Release()

	locks.Release()
	again, err := s.LockSites(ctx, LockHolder{Run: "r2"}, "clinic-b")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Release()

	notices, err := s.Records(ctx, Filter{Kinds: []event.Kind{event.KindNotice}})
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 0 {
		t.Errorf("cleanly released locks left %d notices", len(notices))
	}
}

func TestLockSitesReleasesCrashedHolder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// A crashed holder leaves its details in an unlocked file.
	dir := filepath.Join(s.Dir(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := `{"run":"r-old","operator":"carol","pid":999999,"started":"2026-12-08T22:00:00Z"}`
	if err := os.WriteFile(filepath.Join(dir, "clinic-a.lock"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}

	locks, err := s.LockSites(ctx, LockHolder{Run: "r-new", Started: time.Now()}, "clinic-a")
	if err != nil {
		t.Fatalf("lock over a crashed holder: %v", err)
	}
	defer locks.Release()

	notices, err := s.Records(ctx, Filter{Kinds: []event.Kind{event.KindNotice}})
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 {
		t.Fatalf("%d notices, want 1 for the released lock", len(notices))
	}
	if notices[0].Run != "r-old" || !strings.Contains(string(notices[0].Payload), "r-old") {
		t.Errorf("notice = run %q, %s; want one naming r-old", notices[0].Run, notices[0].Payload)
	}
}

func TestLockFileName(t *testing.T) {
	if got := lockFileName("clinic-a"); got != "clinic-a.lock" {
		t.Errorf("lockFileName(clinic-a) = %q", got)
	}
	for _, site := range []string{"../etc", "a/b", ".hidden", "Zahnarzt Müller"} {
		if got := lockFileName(site); strings.ContainsAny(got, "/ ") || strings.HasPrefix(got, ".") {
			t.Errorf("lockFileName(%q) = %q, not a plain file name", site, got)
		}
	}
}
