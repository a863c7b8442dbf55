package cli

import (
	"strings"
	"testing"
	"time"

	"patchbay/state/event"
)

func TestRunStartedLineCountsHosts(t *testing.T) {
	at := time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		hosts []string
		want  string
	}{
		{[]string{"north-web"}, "on 1 host"},
		{[]string{"north-web", "north-db"}, "on 2 hosts"},
	} {
		e := event.Event{Time: at, Run: "r1", Payload: event.RunStarted{Playbook: "linux-apt-monthly", Hosts: tc.hosts}}
		line := humanLine(e, false)
		if !strings.HasSuffix(line, "linux-apt-monthly "+tc.want) {
			t.Errorf("line for %d hosts = %q, want it to end with %q", len(tc.hosts), line, tc.want)
		}
	}
}
