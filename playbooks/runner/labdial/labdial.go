// Package labdial is a runner.Dialer that reaches emulated lab hosts in
// the same process, through their hostexec handlers and without a
// protocol server, for tests of actions, the runner and the commands.
package labdial

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"unicode/utf16"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/lab/hostexec"
)

// Dialer opens sessions to lab hosts by inventory name.
type Dialer struct {
	Hosts map[string]*lab.Handler
}

// New returns a dialer with one emulated host per inventory host whose
// platform the lab emulates, created with timing.
func New(inv *inventory.Inventory, timing lab.Timing) (*Dialer, error) {
	d := &Dialer{Hosts: map[string]*lab.Handler{}}
	for i, h := range inv.Hosts {
		host, err := lab.NewHost(h.Name, string(h.Platform), i, lab.SystemClock{}, timing)
		if err != nil {
			return nil, fmt.Errorf("lab host %s: %w", h.Name, err)
		}
		d.Hosts[h.Name] = &lab.Handler{Host: host, Transport: string(h.Transport.Kind)}
	}
	return d, nil
}

// Dial returns a session, or a connection-refused error while the host is
// offline.
func (d *Dialer) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	hd := d.Hosts[h.Name]
	if hd == nil || !hd.Host.Online() {
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindConnectionRefused, Op: "dial"}
	}
	return &session{hd: hd, user: h.Transport.User}, nil
}

type session struct {
	hd   *lab.Handler
	user string
}

func (s *session) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	name := s.hd.Host.Name()
	if !s.hd.Host.Online() {
		return &remote.Error{Host: name, Kind: remote.KindConnectionLost, Op: "run"}
	}
	line := cmd.Line
	if cmd.PowerShell != "" {
		line = encodePowerShell(cmd.PowerShell)
	}
	code, err := s.hd.Exec(ctx, hostexec.Request{Host: name, User: s.user, Command: line, Stdin: cmd.Stdin, Stdout: stdout, Stderr: stderr})
	switch {
	case errors.Is(err, lab.ErrOffline), errors.Is(err, lab.ErrDropped), errors.Is(err, lab.ErrShellLost):
		return &remote.Error{Host: name, Kind: remote.KindConnectionLost, Op: "run", Err: err}
	case err != nil:
		return &remote.Error{Host: name, Kind: remote.KindOther, Op: "run", Err: err}
	case code != 0:
		return &remote.ExitError{Code: code}
	}
	return nil
}

// CopyFile is not emulated: the lab's file sink is reached over scp.
func (s *session) CopyFile(context.Context, io.Reader, int64, string, fs.FileMode) error {
	return &remote.Error{Host: s.hd.Host.Name(), Kind: remote.KindOther, Op: "copy", Err: errors.New("file copy is not emulated in process")}
}

func (s *session) Close() error { return nil }

// encodePowerShell returns the command line a WinRM client sends for a
// PowerShell script: powershell.exe -EncodedCommand with the script in
// base64 of UTF-16LE.
func encodePowerShell(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(raw[2*i:], u)
	}
	return "powershell.exe -NoProfile -NonInteractive -EncodedCommand " + base64.StdEncoding.EncodeToString(raw)
}
