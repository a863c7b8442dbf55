package ubiquiti

import (
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestShowVersionEdgeOS(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "edgeos_show_version_er6p_v2.0.6.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Version{Product: "EdgeOS", Version: "v2.0.6", Build: "5208554", Model: "EdgeRouter 6P",
		Serial: "FCE000000026", Uptime: "16:17:57 up 11 days,  6:15,  1 user,  load average: 0.09, 0.06, 0.01"}
	if v != want {
		t.Errorf("got %+v, want %+v", v, want)
	}
}

func TestShowVersionEdgeSwitch(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "edgeswitch_show_version_es48_1.9.1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Version{Product: "EdgeSwitch", Version: "1.9.1", Model: "ES-48-500W", Serial: "18E000000027", Hardware: "20"}
	if v != want {
		t.Errorf("got %+v, want %+v", v, want)
	}
}

func TestShowVersionInvalid(t *testing.T) {
	if _, err := ParseShowVersion("Invalid command: show [versio]\n"); err == nil {
		t.Error("invalid command parsed without error")
	}
}

func FuzzParseShowVersion(f *testing.F) {
	capture.Seed(f, "*.txt")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseShowVersion(output) })
}
