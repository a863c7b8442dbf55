package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"patchbay/remote/lab/hostexec"
)

// Errors a Handler returns to make its protocol server break the
// connection.
var (
	ErrOffline     = errors.New("host is offline")
	ErrDropped     = errors.New("connection dropped by the drop-mid-command fault")
	ErrShellLost   = errors.New("shell lost by the shell-lost fault")
	errNoShellHere = errors.New("this host offers no interactive shell")
)

// Handler serves one host's commands to its protocol servers: it applies
// the host's faults, runs the personality and records every command in
// the log. It implements hostexec.Handler and hostexec.ShellHandler.
type Handler struct {
	Host      *Host
	Transport string      // "ssh" or "winrm"
	Log       *CommandLog // may be nil
	// LoseShell, when set, is called by the shell-lost fault to make the
	// protocol server forget its shells (WinRM); without it the fault
	// drops the connection.
	LoseShell func()
}

var (
	_ hostexec.Handler      = (*Handler)(nil)
	_ hostexec.ShellHandler = (*Handler)(nil)
)

// Exec runs one command for the host.
func (hd *Handler) Exec(ctx context.Context, req hostexec.Request) (int, error) {
	h := hd.Host
	x := &Exec{Host: h, User: req.User, Line: req.Command, Transport: hd.Transport,
		Stdin: req.Stdin, Stdout: req.Stdout, Stderr: req.Stderr}
	if x.Stdin == nil {
		x.Stdin = strings.NewReader("")
	}
	if script, ok := hostexec.DecodePowerShell(req.Command); ok {
		x.PowerShell = script
	}
	before := h.Generation()
	code, err := hd.run(ctx, x)
	hd.record(x, code, err, h.Generation() != before)
	return code, err
}

func (hd *Handler) record(x *Exec, code int, err error, changes bool) {
	command := x.Line
	if x.PowerShell != "" {
		command = x.PowerShell
	}
	e := LogEntry{Host: x.Host.Name(), Time: x.Host.Clock().Now().UTC(), User: x.User,
		Transport: x.Transport, Command: command, Changes: changes, Exit: code}
	if err != nil {
		e.Exit, e.Error = -1, err.Error()
	}
	hd.Log.Append(e)
}

// run applies the faults around the personality's Exec.
func (hd *Handler) run(ctx context.Context, x *Exec) (int, error) {
	h := x.Host
	if !h.Online() {
		return 0, ErrOffline
	}
	f := h.Faults()
	if d := f.SlowDelay(); d > 0 {
		if err := sleep(ctx, h.Clock(), d); err != nil {
			return 0, err
		}
	}
	if f.Has(FaultSilent) {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	if f.Has(FaultCLIXMLStderr) && x.PowerShell != "" {
		io.WriteString(x.Stderr, clixmlProgress)
	}
	if f.Has(FaultDropMidCommand) || f.Has(FaultShellLost) {
		return hd.runThenBreak(ctx, x, f)
	}
	code, err := h.personality.Exec(ctx, x)
	if n := f.HugeOutputBytes(); n > 0 && err == nil {
		writeHugeOutput(x.Stdout, n)
	}
	return code, err
}

// runThenBreak runs the command to its end, so its changes take effect,
// then sends half of its output and breaks the connection or the shell:
// the client cannot tell whether the command finished.
func (hd *Handler) runThenBreak(ctx context.Context, x *Exec, f Faults) (int, error) {
	var out bytes.Buffer
	stdout := x.Stdout
	x.Stdout = &out
	code, err := x.Host.personality.Exec(ctx, x)
	stdout.Write(out.Bytes()[:out.Len()/2])
	if err != nil {
		return code, err
	}
	if f.Has(FaultShellLost) && hd.LoseShell != nil {
		hd.LoseShell()
		return code, ErrShellLost
	}
	return code, ErrDropped
}

// writeHugeOutput writes n bytes of numbered lines, a chunk of about
// 64 KiB at a time, so that the lab's own memory stays small while a
// client receives hundreds of megabytes.
func writeHugeOutput(w io.Writer, n int64) {
	var b bytes.Buffer
	for i := 0; n > 0; {
		b.Reset()
		for ; b.Len() < 64<<10; i++ {
			fmt.Fprintf(&b, "huge-output line %08d: the quick brown fox jumps over the lazy dog\n", i)
		}
		chunk := b.Bytes()[:min(int64(b.Len()), n)]
		if _, err := w.Write(chunk); err != nil {
			return
		}
		n -= int64(len(chunk))
	}
}

// clixmlProgress is the progress record PowerShell writes to standard
// error when it loads modules in a session without a console.
const clixmlProgress = "#< CLIXML\r\n" +
	`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">` +
	`<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>` +
	`<MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil />` +
	`<PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj></Objs>`

// Shell serves a PTY session through the personality, or writes that the
// host has no interactive shell.
func (hd *Handler) Shell(ctx context.Context, sh hostexec.Shell) error {
	h := hd.Host
	if !h.Online() {
		return ErrOffline
	}
	sp, ok := h.personality.(ShellPersonality)
	if !ok {
		fmt.Fprintf(sh.RW, "%s\r\n", errNoShellHere)
		return nil
	}
	sess := &ShellSession{Host: h, Shell: sh, Record: func(command string, changes bool) {
		hd.Log.Append(LogEntry{Host: h.Name(), Time: h.Clock().Now().UTC(), User: sh.User,
			Transport: "ssh-shell", Command: command, Changes: changes})
	}}
	return sp.Shell(ctx, sess)
}
