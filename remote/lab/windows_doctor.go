package lab

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The doctor shape handles the preflight script of 'patchbay doctor',
// which starts with the marker "patchbay-doctor". It goes first in
// psShapes because the script also reads a service, which the service
// check shape would claim, and no other script carries the marker.
func init() {
	doctor := psShape{"doctor", containsAll("patchbay-doctor"), (*windowsPersonality).doctor}
	psShapes = append([]psShape{doctor}, psShapes...)
}

// windowsDoctorFacts is the object the doctor script prints with
// ConvertTo-Json. It mirrors preflight.WindowsFacts, which the lab cannot
// import because remote may not import playbooks.
type windowsDoctorFacts struct {
	UTCNow        string   `json:"utc_now"`
	User          string   `json:"user"`
	Admin         bool     `json:"admin"`
	TokenFilter   int      `json:"token_filter"`
	RebootReasons []string `json:"reboot_reasons"`
	WUStart       string   `json:"wu_start"`
	WSUS          string   `json:"wsus"`
	FreeDiskMB    int64    `json:"free_disk_mb"`
}

func (p *windowsPersonality) doctor(x *Exec, _ string) int {
	s := x.Host.Snapshot()
	f := windowsDoctorFacts{
		UTCNow: formatDotNetUTC(hostNow(x.Host)), User: x.User, Admin: s.Facts[FactNotAdmin] == "",
		TokenFilter: 1, RebootReasons: rebootReasons(&s), WUStart: "Manual", WSUS: s.Facts[FactWSUS],
		FreeDiskMB: s.FreeDiskMB,
	}
	if v, err := strconv.Atoi(s.Facts[FactTokenFilter]); err == nil {
		f.TokenFilter = v
	}
	if v := s.Facts[FactWUStart]; v != "" {
		f.WUStart = v
	}
	out, _ := json.Marshal(f)
	fmt.Fprintf(x.Stdout, "%s\r\n", out)
	return 0
}
