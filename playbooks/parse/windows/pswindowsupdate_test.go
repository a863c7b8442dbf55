package windows

import (
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestWindowsUpdateDriverRows(t *testing.T) {
	report := ParseWindowsUpdate(capture.Load(t, "pswindowsupdate_get_and_install_driver_rows_without_kb.txt"))
	if len(report.Available) != 7 {
		t.Fatalf("got %d available, want 7", len(report.Available))
	}
	if report.Available[0].KB != "KB2267602" || report.Available[0].Size != "2GB" {
		t.Errorf("row 1 = %+v", report.Available[0])
	}
	drivers := 0
	for _, update := range report.Available {
		if update.KB == "" {
			drivers++
		}
	}
	if drivers != 6 {
		t.Errorf("got %d rows without KB, want 6", drivers)
	}
	if report.Available[3].Size != "198KB" || report.Available[3].Title != "Intel - System - 4/4/2019 12:00:00 AM - 1914.12.0.1256" {
		t.Errorf("row 4 = %+v", report.Available[3])
	}
	if len(report.Results) != 3 {
		t.Fatalf("got %d results, want 3", len(report.Results))
	}
	last := report.Results[2]
	if last.Stage != 3 || last.Result != "Installed" || last.KB != "KB2267602" || !last.Truncated() {
		t.Errorf("result 3 = %+v", last)
	}
	if report.Scheduled || report.Found != -1 {
		t.Errorf("Scheduled %v, Found %d", report.Scheduled, report.Found)
	}
}

func TestWindowsUpdatePolishTitles(t *testing.T) {
	report := ParseWindowsUpdate(capture.Load(t, "pswindowsupdate_get_windowsupdate_verbose_polish_titles.txt"))
	if report.Found != 4 || len(report.Available) != 4 {
		t.Fatalf("Found %d, %d rows, want 4 and 4", report.Found, len(report.Available))
	}
	first := report.Available[0]
	if first.KB != "KB890830" || first.Size != "44MB" || first.ComputerName != "PC-01" {
		t.Errorf("row 1 = %+v", first)
	}
	if first.Title != "Narzędzie Windows do usuwania złośliwego oprogramowania dla systemów Window..." {
		t.Errorf("row 1 title = %q", first.Title)
	}
	if report.Available[1].Size != "1GB" || first.HasFlag('D') {
		t.Errorf("row 2 = %+v", report.Available[1])
	}
	if len(report.Verbose) != 3 {
		t.Errorf("got %d verbose lines, want 3", len(report.Verbose))
	}
}

func TestWindowsUpdateScheduleJob(t *testing.T) {
	report := ParseWindowsUpdate(capture.Load(t, "pswindowsupdate_install_windowsupdate_schedulejob_accepted.txt"))
	if !report.Scheduled {
		t.Error("Scheduled = false")
	}
	if len(report.Results) != 4 {
		t.Fatalf("got %d results, want 4", len(report.Results))
	}
	for _, result := range report.Results {
		if result.Stage != 1 || result.Result != "Accepted" {
			t.Errorf("result = %+v, want stage 1 Accepted", result)
		}
	}
	if report.Results[3].KB != "KB2267602" || report.Results[3].Size != "309MB" {
		t.Errorf("result 4 = %+v", report.Results[3])
	}
}

func TestUpdateStatusFlags(t *testing.T) {
	update := Update{Status: "-DI----"}
	if !update.HasFlag('D') || !update.HasFlag('I') || update.HasFlag('A') || update.HasFlag('M') {
		t.Errorf("flags of %q read wrong", update.Status)
	}
	if !(Update{Status: "R------"}).HasFlag('R') {
		t.Error("R flag not read")
	}
}

func FuzzParseWindowsUpdate(f *testing.F) {
	capture.Seed(f, "pswindowsupdate_*")
	f.Fuzz(func(t *testing.T, output string) { _ = ParseWindowsUpdate(output) })
}
