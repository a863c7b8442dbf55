package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/netcli"
	"patchbay/state/event"
)

// cliOpenTimeout bounds opening a device CLI: the PTY, the first prompt
// and the commands that turn paging off.
const cliOpenTimeout = 30 * time.Second

// deviceCLI is the interactive CLI of one network device, opened on the
// step's session. Commands and their output go to the step's journal.
type deviceCLI struct {
	x *Exec
	s *netcli.Session
}

// cliPlatform returns the netcli platform of a network gear host.
func cliPlatform(h *inventory.Host) (netcli.Platform, error) {
	switch h.Platform {
	case inventory.PlatformCiscoIOS, inventory.PlatformCiscoIOSXE:
		return netcli.IOS, nil
	case inventory.PlatformFortiOS:
		return netcli.FortiOS, nil
	}
	return 0, fmt.Errorf("host %s: platform %s has no CLI driver: %w", h.Name, h.Platform, ErrUnsupported)
}

// openCLI opens a PTY shell on x.Session and finds the device prompt.
func openCLI(ctx context.Context, x *Exec) (*deviceCLI, error) {
	platform, err := cliPlatform(x.Host)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cliOpenTimeout)
	defer cancel()
	shell, err := remote.OpenShell(ctx, x.Session, "vt100", 200, 48)
	if err != nil {
		return nil, fmt.Errorf("open the CLI of %s: %w", x.Host.Name, err)
	}
	s, err := netcli.Open(ctx, shell, netcli.Config{Platform: platform})
	if err != nil {
		return nil, fmt.Errorf("open the CLI of %s: %w", x.Host.Name, err)
	}
	return &deviceCLI{x: x, s: s}, nil
}

// Close ends the CLI session.
func (c *deviceCLI) Close() { c.s.Close() }

// Run sends command, journals it with its output and returns the output.
func (c *deviceCLI) Run(ctx context.Context, command string, expects ...netcli.Expect) (string, error) {
	out, err := c.RunQuiet(ctx, command, expects...)
	fmt.Fprintf(c.x.Stdout, "%s# %s\n", c.s.Host(), command)
	if out != "" {
		io.WriteString(c.x.Stdout, out+"\n")
	}
	return out, err
}

// RunQuiet sends command and returns its output without journaling it,
// for output that holds secrets, such as a configuration.
func (c *deviceCLI) RunQuiet(ctx context.Context, command string, expects ...netcli.Expect) (string, error) {
	out, err := c.s.Run(ctx, command, expects...)
	if err != nil && !errors.Is(err, netcli.ErrSessionDropped) {
		err = fmt.Errorf("host %s: %w", c.x.Host.Name, err)
	}
	return out, err
}

// readTimeout bounds a command that only reads the device.
const readTimeout = 2 * time.Minute

// read runs one read-only command under readTimeout.
func (c *deviceCLI) read(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	return c.Run(ctx, command)
}

// gearUptime reads how long a device has been up. A lower uptime than
// before the reload shows that the device went down and came back.
type gearUptime func(ctx context.Context, c *deviceCLI) (time.Duration, error)

// reloadGear sends the command that reloads the device and passes its
// output to check, which fails the step when the command did not start a
// reload. It then expects the session to drop and waits until the device
// is back. The reboot policy and the site's window may defer the reload,
// and the run's reboot cap applies.
func reloadGear(ctx context.Context, x *Exec, c *deviceCLI, uptime gearUptime, command string, check func(output string) error, expects ...netcli.Expect) (string, error) {
	defer c.Close()
	if err := deferReboot(x); err != nil {
		return "", err
	}
	if x.Reboots >= x.MaxReboots {
		return "", fmt.Errorf("host %s reloaded %d times in this run: %w", x.Host.Name, x.Reboots, ErrRebootCap)
	}
	before, err := uptime(ctx, c)
	if err != nil {
		return "", fmt.Errorf("read uptime before the reload: %w", err)
	}
	out, err := c.Run(ctx, command, expects...)
	c.Close()
	if err != nil && !errors.Is(err, netcli.ErrSessionDropped) {
		return out, err
	}
	if check != nil {
		if err := check(out); err != nil {
			return out, err
		}
	}
	x.Reboots++
	x.Report.Status(event.HostState{Phase: event.PhaseRebooting})
	if err == nil {
		x.Report.Decision("reload-pending", "the session stayed open after "+command+"; waiting for the device to go down")
	}
	return out, waitGearBack(ctx, x, uptime, before)
}

// waitGearBack polls the device until a new CLI session reads an uptime
// below before, or until the host class's reboot timeout.
func waitGearBack(ctx context.Context, x *Exec, uptime gearUptime, before time.Duration) error {
	x.Session.Close()
	timeout := rebootTimeout(x, Platform{Class: "network"})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	poll := x.Timing.Poll
	if poll <= 0 {
		poll = DefaultTiming.Poll
	}
	offline := false
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("host %s did not come back within %s after the reload; check its console", x.Host.Name, timeout)
			}
			return ctx.Err()
		case <-time.After(poll):
		}
		up, err := probeGear(ctx, x, uptime)
		if err != nil && !offline {
			offline = true
			x.Report.Status(event.HostState{Phase: event.PhaseOffline})
		}
		// A device that was up for less than two minutes before the
		// reload may show a similar uptime after it, so having seen it
		// offline counts as well.
		if err == nil && (up < before || (offline && before < 2*time.Minute)) {
			x.Report.Status(event.HostState{Phase: event.PhaseSettling})
			return nil
		}
	}
}

// probeGear dials the device and reads its uptime. The new session stays
// in x.Session.
func probeGear(ctx context.Context, x *Exec, uptime gearUptime) (time.Duration, error) {
	s, err := x.Redial(ctx)
	if err != nil {
		return 0, err
	}
	x.Session.Close()
	x.Session = s
	c, err := openCLI(ctx, x)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return uptime(ctx, c)
}

// requireText fails unless output contains want, naming the command and
// the last lines of its output.
func requireText(command, output, want string) error {
	if strings.Contains(output, want) {
		return nil
	}
	return fmt.Errorf("%q did not print %q; it printed %q", command, want, lastLines(output, 3))
}

// lastLines returns the last n non-empty lines of text, joined by " / ".
func lastLines(text string, n int) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
