package runner

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/state/event"
)

// fakeHost is an in-memory apt host: enough of Debian for the apt
// playbook, with faults a test can switch on.
type fakeHost struct {
	mu        sync.Mutex
	name      string
	pending   []string // upgradable packages
	held      []string // apt-mark holds
	build     int      // kernel build, raised by each upgrade
	boot      int      // boot counter, shown by uptime -s
	needBoot  bool     // /var/run/reboot-required exists
	users     []string
	offline   bool // refuses every dial
	downDials int  // dials refused after a reboot before the host is back
	loop      bool // the installed packages are pending again after a reboot
	failApt   int  // apt-get update failures left
	installed []string
	commands  []recorded
	// onUpgrade, when set, is called at the start of each apt upgrade.
	onUpgrade func()
}

// recorded is one command or copy that reached the host.
type recorded struct {
	line     string
	readOnly bool
	copy     bool
}

func newFakeHost(name string, pending ...string) *fakeHost {
	return &fakeHost{name: name, pending: pending, build: 1, boot: 1}
}

func (h *fakeHost) exec(cmd remote.Command, stdout io.Writer) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.commands = append(h.commands, recorded{line: cmd.String(), readOnly: cmd.ReadOnly})
	line := cmd.Line
	switch {
	case line == "cat /etc/os-release":
		fmt.Fprintln(stdout, `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`)
	case line == "uname -r":
		fmt.Fprintf(stdout, "6.1.0-%d-amd64\n", h.build)
	case line == "uptime -s":
		fmt.Fprintf(stdout, "2026-12-01 10:00:%02d\n", h.boot)
	case line == "df -Pk /":
		fmt.Fprint(stdout, "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 41152832 9000000 30000000 24% /\n")
	case line == "who":
		for _, u := range h.users {
			fmt.Fprintf(stdout, "%s pts/0 2026-12-01 09:00\n", u)
		}
	case line == "apt list --upgradable":
		fmt.Fprintln(stdout, "Listing... Done")
		for _, p := range h.pending {
			fmt.Fprintf(stdout, "%s/stable-security 2.0-1 amd64 [upgradable from: 1.0-1]\n", p)
		}
	case line == "cat /var/run/reboot-required":
		if !h.needBoot {
			return 1, nil
		}
		fmt.Fprintln(stdout, "*** System restart required ***")
	case line == "cat /var/run/reboot-required.pkgs":
		fmt.Fprintln(stdout, "linux-image-amd64")
	case strings.Contains(line, "apt-get update"):
		if h.failApt > 0 {
			h.failApt--
			return 100, nil
		}
	case strings.Contains(line, "apt-mark hold "):
		h.held = append(h.held, strings.Fields(line[strings.Index(line, "hold ")+5:])...)
	case strings.Contains(line, "apt-mark unhold "):
		h.held = nil
	case strings.Contains(line, "apt-get") && strings.HasSuffix(line, "upgrade"):
		return h.upgrade(line, stdout)
	case line == "dnf -q check-update":
		for _, p := range h.pending {
			fmt.Fprintf(stdout, "%s.x86_64  2.0-1.el9  baseos\n", p)
		}
		if len(h.pending) > 0 {
			return 100, nil
		}
	case line == "needs-restarting -r":
		if h.needBoot {
			fmt.Fprintln(stdout, "Core libraries or services have been updated since boot-up:\n  * kernel\n\nReboot is required to fully utilize these updates.")
			return 1, nil
		}
		fmt.Fprintln(stdout, "No core libraries or services have been updated since boot-up.\nReboot should not be necessary.")
	case strings.Contains(line, "dnf -y upgrade"):
		return h.upgrade("DEBIAN_FRONTEND=noninteractive --force-confold", stdout)
	case strings.Contains(line, "shutdown -r now"):
		h.boot++
		h.needBoot = false
		h.downDials = 2
		if h.loop {
			h.pending = append(h.pending, h.installed...)
		}
		return -1, &remote.Error{Host: h.name, Kind: remote.KindConnectionLost, Op: "run"}
	default:
		return 127, nil
	}
	return 0, nil
}

func (h *fakeHost) upgrade(line string, stdout io.Writer) (int, error) {
	if h.onUpgrade != nil {
		h.onUpgrade()
	}
	if !strings.Contains(line, "DEBIAN_FRONTEND=noninteractive") || !strings.Contains(line, "--force-confold") {
		return 1, nil
	}
	var left []string
	for _, p := range h.pending {
		if contains(h.held, p) {
			left = append(left, p)
			continue
		}
		fmt.Fprintf(stdout, "Setting up %s (2.0-1) ...\n", p)
		h.installed = append(h.installed, p)
	}
	if len(left) < len(h.pending) {
		h.build++
		h.needBoot = true
	}
	h.pending = left
	return 0, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// changingCommands returns the commands that were not declared read-only,
// and the file copies.
func (h *fakeHost) changingCommands() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.commands {
		if !c.readOnly || c.copy {
			out = append(out, c.line)
		}
	}
	return out
}

// fakeSession is a session to a fakeHost.
type fakeSession struct {
	host   *fakeHost
	closed bool
}

func (s *fakeSession) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	if err := ctx.Err(); err != nil {
		return &remote.Error{Host: s.host.name, Kind: remote.KindTimeout, Op: "run", Err: err}
	}
	code, err := s.host.exec(cmd, stdout)
	if err != nil {
		return err
	}
	if code != 0 {
		return &remote.ExitError{Code: code}
	}
	return nil
}

func (s *fakeSession) CopyFile(ctx context.Context, src io.Reader, size int64, dst string, mode fs.FileMode) error {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.commands = append(s.host.commands, recorded{line: "copy " + dst, copy: true})
	return nil
}

func (s *fakeSession) Close() error { s.closed = true; return nil }

// fakeFleet dials fakeHosts by name and records every dial.
type fakeFleet struct {
	mu     sync.Mutex
	hosts  map[string]*fakeHost
	dialed []string
}

func newFakeFleet(hosts ...*fakeHost) *fakeFleet {
	f := &fakeFleet{hosts: map[string]*fakeHost{}}
	for _, h := range hosts {
		f.hosts[h.name] = h
	}
	return f
}

func (f *fakeFleet) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	f.mu.Lock()
	f.dialed = append(f.dialed, h.Name)
	host := f.hosts[h.Name]
	f.mu.Unlock()
	if host == nil {
		return nil, fmt.Errorf("no fake host %s", h.Name)
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.offline || host.downDials > 0 {
		if host.downDials > 0 {
			host.downDials--
		}
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindConnectionRefused, Op: "dial"}
	}
	return &fakeSession{host: host}, nil
}

func (f *fakeFleet) dialCount(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, d := range f.dialed {
		if d == name {
			n++
		}
	}
	return n
}

// memJournal keeps events in memory.
type memJournal struct {
	mu     sync.Mutex
	events []event.Event
	fail   error
}

func (j *memJournal) Append(ctx context.Context, ev event.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return j.fail
	}
	j.events = append(j.events, ev)
	return nil
}

func (j *memJournal) all() []event.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]event.Event{}, j.events...)
}

// openWindows reports every window open for a day.
type openWindows struct{ closed bool }

func (w openWindows) Window(site *inventory.Site, at time.Time) planWindow {
	if w.closed {
		return planWindow{Opens: at.Add(time.Hour)}
	}
	return planWindow{Open: true, Closes: at.Add(24 * time.Hour)}
}
