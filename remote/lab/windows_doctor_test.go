package lab

import (
	"encoding/json"
	"testing"
	"time"

	"patchbay/playbooks/preflight"
)

// doctorScript is the script patchbay doctor sends, so that a new shape
// that would claim it fails here.
const doctorScript = preflight.WindowsScript

func TestWindowsDoctorHealthy(t *testing.T) {
	_, hd, _ := newTestHost(t, "windows")
	var f windowsDoctorFacts
	if err := json.Unmarshal([]byte(mustRun(t, hd, "patchbay", doctorScript, 0).stdout), &f); err != nil {
		t.Fatal(err)
	}
	if !f.Admin || f.TokenFilter != 1 || f.WUStart != "Manual" || f.WSUS != "" {
		t.Errorf("healthy host facts = %+v", f)
	}
	if f.UTCNow != formatDotNetUTC(labEpoch) {
		t.Errorf("utc_now = %q, want %q", f.UTCNow, formatDotNetUTC(labEpoch))
	}
}

func TestWindowsDoctorProblems(t *testing.T) {
	h, hd, _ := newTestHost(t, "windows")
	h.Change(func(s *State) {
		s.Facts[FactClockSkew] = "5m"
		s.Facts[FactNotAdmin] = "yes"
		s.Facts[FactTokenFilter] = "0"
		s.Facts[FactWUStart] = "Disabled"
		s.Facts[FactWSUS] = "http://wsus.lab.test:8530"
		s.RebootPending, s.RebootReason = true, "WindowsUpdate RebootRequired"
	})
	var f windowsDoctorFacts
	if err := json.Unmarshal([]byte(mustRun(t, hd, "patchbay", doctorScript, 0).stdout), &f); err != nil {
		t.Fatal(err)
	}
	if f.Admin {
		t.Error("admin = true, want false")
	}
	if f.TokenFilter != 0 {
		t.Errorf("token_filter = %d, want 0", f.TokenFilter)
	}
	if f.WUStart != "Disabled" {
		t.Errorf("wu_start = %q, want Disabled", f.WUStart)
	}
	if f.WSUS != "http://wsus.lab.test:8530" {
		t.Errorf("wsus = %q", f.WSUS)
	}
	if len(f.RebootReasons) != 1 || f.RebootReasons[0] != "WindowsUpdate RebootRequired" {
		t.Errorf("reboot_reasons = %q", f.RebootReasons)
	}
	if f.UTCNow != formatDotNetUTC(labEpoch.Add(5*time.Minute)) {
		t.Errorf("utc_now = %q, want 5 minutes ahead", f.UTCNow)
	}
}
