package actions

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/winrmremote"
	"patchbay/state/event"
)

const (
	labUser     = `CLINIC\patchbay`
	labPassword = "lab-Pa55-word"
)

// fastLabTiming reboots an emulated host in a fraction of a second.
var fastLabTiming = lab.Timing{ShutdownDelay: 50 * time.Millisecond, RebootDuration: 300 * time.Millisecond}

// winLab is one emulated Windows host behind a WS-Management server on
// loopback, reached with the real WinRM client, with an Exec for actions.
type winLab struct {
	t       *testing.T
	host    *lab.Host
	logPath string
	rep     *winRecorder
	x       *Exec

	mu      sync.Mutex
	srv     *wsman.Server
	addr    string
	cfg     wsman.Config
	closed  bool
	clients winrmremote.Config
}

// checkLeaks registers the goroutine check first, so that it runs after
// every later cleanup such as the server's Close.
func checkLeaks(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

// newWinLab starts a host of platform ("windows", "windows-server" or
// "hyperv"). Like a real machine, its server stops answering while the
// host is down for a reboot.
func newWinLab(t *testing.T, platform string) *winLab {
	t.Helper()
	checkLeaks(t)
	host, err := lab.NewHost("ws01", platform, 0, lab.SystemClock{}, fastLabTiming)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log, err := lab.OpenCommandLog(filepath.Join(dir, "commands.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := wsman.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig, err := ca.ServerTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	w := &winLab{t: t, host: host, logPath: filepath.Join(dir, "commands.jsonl"), rep: &winRecorder{}}
	w.cfg = wsman.Config{Host: "ws01", Handler: &lab.Handler{Host: host, Transport: "winrm", Log: log},
		Users: map[string]string{labUser: labPassword}, TLS: tlsConfig, Auth: wsman.AuthBasic}
	w.addr = "127.0.0.1:0"
	w.up()
	t.Cleanup(func() { w.shutdown(); log.Close() })
	host.Watch(w.follow)
	host.Change(func(s *lab.State) { s.Apps = []string{"ehr-client"} })

	_, portText, _ := net.SplitHostPort(w.addr)
	port, _ := strconv.Atoi(portText)
	w.clients = winrmremote.Config{Host: "ws01", Address: "127.0.0.1", Port: port, HTTPS: true, CAPool: ca.Pool,
		Auth: winrmremote.AuthBasic, User: labUser, Password: func(context.Context) (string, error) { return labPassword, nil },
		OperationTimeout: 2 * time.Second, DialTimeout: 2 * time.Second}
	w.x = w.newExec(inventory.Platform(platform))
	return w
}

func (w *winLab) up() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.srv != nil {
		return
	}
	srv := wsman.NewServer(w.cfg)
	if err := srv.Listen(w.addr); err != nil {
		w.t.Errorf("restart the lab server: %v", err)
		return
	}
	srv.Start()
	w.srv, w.addr = srv, srv.Addr()
}

func (w *winLab) down() {
	w.mu.Lock()
	srv := w.srv
	w.srv = nil
	w.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (w *winLab) follow(online bool) {
	if online {
		w.up()
		return
	}
	w.down()
}

func (w *winLab) shutdown() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.down()
}

func (w *winLab) dial(ctx context.Context) (remote.Session, error) {
	s, err := winrmremote.Dial(ctx, w.clients)
	if err != nil {
		return nil, err
	}
	return remote.Guard(s, "ws01", remote.AccessFull), nil
}

func (w *winLab) newExec(platform inventory.Platform) *Exec {
	s, err := w.dial(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { w.x.Session.Close() })
	return &Exec{
		Host: &inventory.Host{Name: "ws01", Site: "clinic", Platform: platform, Role: inventory.RoleServer,
			Apps: []string{"ehr-client"}, Transport: inventory.Transport{Kind: inventory.TransportWinRM, User: labUser}},
		Holds:   []*inventory.Hold{winreHold},
		Session: s, Changes: true, Facts: Facts{}, Report: w.rep,
		Redial: w.dial, MaxReboots: 3,
		Timing: Timing{Poll: 50 * time.Millisecond, Reboot: map[string]time.Duration{"server": 20 * time.Second, "hypervisor": 20 * time.Second}},
	}
}

// commands returns the command log's PowerShell scripts and lines that
// contain text, and how many of them changed the host.
func (w *winLab) commands(text string) (all, changing int) {
	w.t.Helper()
	entries, err := lab.ReadCommandLog(w.logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Command, text) {
			all++
			if e.Changes {
				changing++
			}
		}
	}
	return all, changing
}

// winRecorder is a Reporter that keeps everything it receives.
type winRecorder struct {
	mu        sync.Mutex
	states    []event.HostState
	decisions []string // "kind: detail"
	results   []event.UpdateResult
	holds     []string
}

func (r *winRecorder) Status(s event.HostState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
}

func (r *winRecorder) Decision(kind, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decisions = append(r.decisions, kind+": "+detail)
}

func (r *winRecorder) FactsRead(Facts) {}

func (r *winRecorder) UpdateResult(u event.UpdateResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, u)
}

func (r *winRecorder) HoldSet(item, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holds = append(r.holds, item+": "+reason)
}

// result returns the recorded result code of update id, or "".
func (r *winRecorder) result(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.results {
		if u.Update == id {
			return u.ResultCode
		}
	}
	return ""
}

func (r *winRecorder) decided(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.decisions {
		if strings.HasPrefix(d, kind+":") {
			return true
		}
	}
	return false
}

func (r *winRecorder) sawPhase(p event.HostPhase) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.states {
		if s.Phase == p {
			return true
		}
	}
	return false
}
