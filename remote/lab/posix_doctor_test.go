package lab

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDateFollowsClockSkew(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	r := mustRun(t, hd, "tech", "date -u +%s", 0)
	if got := strings.TrimSpace(r.stdout); got != strconv.FormatInt(labEpoch.Unix(), 10) {
		t.Errorf("date -u +%%s = %q, want %d", got, labEpoch.Unix())
	}
	h.Change(func(s *State) { s.Facts[FactClockSkew] = "-7m" })
	r = mustRun(t, hd, "tech", "date -u +%s", 0)
	if got := strings.TrimSpace(r.stdout); got != strconv.FormatInt(labEpoch.Add(-7*time.Minute).Unix(), 10) {
		t.Errorf("date with skew = %q, want 7 minutes earlier", got)
	}
	mustRun(t, hd, "tech", "date -x", 1)
}

func TestCiscoShowPrivilege(t *testing.T) {
	h, hd, _ := newTestHost(t, "cisco-ios")
	r := mustRun(t, hd, "admin", "show privilege", 0)
	if !strings.Contains(r.stdout, "Current privilege level is 15") {
		t.Errorf("show privilege = %q, want level 15", r.stdout)
	}
	h.Change(func(s *State) { s.Facts[FactPrivilege] = "1" })
	r = mustRun(t, hd, "admin", "show privilege", 0)
	if !strings.Contains(r.stdout, "Current privilege level is 1\r\n") {
		t.Errorf("show privilege = %q, want level 1", r.stdout)
	}
}
