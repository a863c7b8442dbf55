package faults_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state/event"
)

// windowsOnly selects the clinic's Windows hosts.
var windowsOnly = plan.Selection{Hosts: windowsHosts}

// runWindows runs the PowerShell echo playbook on the Windows hosts.
func runWindows(t *testing.T, w *world) outcome {
	t.Helper()
	return w.run(loadPlaybook(t, "winecho.yaml"), windowsOnly, nil, runner.Options{})
}

func TestWinRMHostFaults(t *testing.T) {
	cases := []struct{ name, faults, host, reason string }{
		{"401 Unauthorized", "ws1=auth-rejected", "ws1", "401"},
		{"shell lost", "ws3=shell-lost", "ws3", "shell"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := startWorld(t, tc.faults)
			o := runWindows(t, w)
			checkFaulty(t, o, tc.host, event.PhaseFailed, tc.reason)
			checkOthersDone(t, o, windowsHosts, tc.host)
			w.checkJournal()
		})
	}
}

func TestWinRMTimedOutPolls(t *testing.T) {
	w := startWorld(t, "ws2=winrm-timedout-polls:3")
	o := runWindows(t, w)
	checkOthersDone(t, o, windowsHosts)
	if got := o.output("ws2"); !strings.Contains(got, "fault suite") {
		t.Errorf("ws2 output = %q, want the line sent after the timed-out polls", got)
	}
	w.checkJournal()
}

func TestCLIXMLStderrOnSuccess(t *testing.T) {
	w := startWorld(t, "ws1=clixml-stderr")
	o := runWindows(t, w)
	checkOthersDone(t, o, windowsHosts)
	if got := o.output("ws1"); strings.Contains(got, "#< CLIXML") || strings.Contains(got, "<Objs") {
		t.Errorf("ws1 output keeps the raw CLIXML: %q", got)
	}
	w.checkJournal()
}

// answerWith points host at a plain HTTP server on 127.0.0.1 that replies
// to every request with status and body, served as contentType.
func answerWith(t *testing.T, w *world, host string, status int, contentType, body string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", contentType)
		rw.WriteHeader(status)
		rw.Write([]byte(body))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	h := w.inv.Host(host)
	h.Address = "127.0.0.1"
	h.Transport.Port, _ = strconv.Atoi(port)
	h.Transport.HTTPS = false
}

func TestWinRMHTMLAnswer(t *testing.T) {
	w := startWorld(t, "")
	answerWith(t, w, "ws2", http.StatusOK, "text/html; charset=utf-8",
		"<!DOCTYPE html><html><head><title>Portal login</title></head><body>Sign in</body></html>")
	o := runWindows(t, w)
	checkFaulty(t, o, "ws2", event.PhaseFailed, "not a WinRM listener", "Portal login")
	checkOthersDone(t, o, windowsHosts, "ws2")
	w.checkJournal()
}

func TestWinRMRequestTooLarge(t *testing.T) {
	w := startWorld(t, "")
	answerWith(t, w, "ws3", http.StatusRequestEntityTooLarge, "text/html", "<html><body>413 Request Entity Too Large</body></html>")
	o := runWindows(t, w)
	checkFaulty(t, o, "ws3", event.PhaseFailed, "413")
	checkOthersDone(t, o, windowsHosts, "ws3")
	w.checkJournal()
}
