package plan

import (
	"testing"
	"time"
)

func TestHostsSelectionListsNamedDevice(t *testing.T) {
	opts := Options{At: planAt, Windows: fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)}}
	for _, tc := range []struct {
		hosts []string
		want  int
	}{
		{[]string{"ecg", "ws"}, 1},
		{[]string{"e*"}, 1},
		{[]string{"ws"}, 0},
	} {
		p, err := Make(siteInventory(), testBook(false), Selection{Hosts: tc.hosts}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Devices) != tc.want {
			t.Errorf("--hosts %v listed devices %v, want %d", tc.hosts, p.Devices, tc.want)
		}
		if p.Find("ecg") != nil {
			t.Errorf("--hosts %v made the medical device a plan host", tc.hosts)
		}
	}
}
