package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"patchbay/remote/lab/sshserver"
)

// ciscoPersonality emulates a Catalyst switch: IOS in bundle mode (it
// boots the image the boot variable names) or, with xe set, IOS-XE in
// install mode (it boots flash:packages.conf and upgrades with `install
// add file ... activate commit`). Both serve the privileged EXEC CLI on a
// PTY and the SCP sink for image copies.
type ciscoPersonality struct{ xe bool }

func init() {
	Register("cisco-ios", ciscoPersonality{})
	Register("cisco-iosxe", ciscoPersonality{xe: true})
}

// Facts keys of the Cisco personalities.
const (
	factImage      = "image"        // the image the device runs, "flash:c2960x-...bin"
	factBoot       = "boot"         // boot variable, images separated by ";"
	factModel      = "model"        // "WS-C2960X-48FPD-L"
	factDirty      = "config-dirty" // "yes" while the running configuration is unsaved
	factReloadedBy = "reload-reason"
)

// errReloading breaks the session of a device that starts to reload.
var errReloading = errors.New("device reloading")

func (p ciscoPersonality) Init(s *State, seed int) {
	s.Facts[factReloadedBy] = "power-on"
	if p.xe {
		s.OS, s.Build = "Cisco IOS XE", "17.09.04a"
		s.DiskSizeMB, s.FreeDiskMB = 1548, 1200
		s.Facts[factModel] = "C9200L-48P-4G"
		s.Facts[factImage], s.Facts[factBoot] = "flash:packages.conf", "flash:packages.conf"
		s.Files["flash:packages.conf"] = []byte("# package.conf for 17.09.04a\n")
		return
	}
	s.OS, s.Build = "Cisco IOS", "15.2(7)E3"
	s.DiskSizeMB, s.FreeDiskMB = 116, 87
	s.Facts[factModel] = "WS-C2960X-48FPD-L"
	image := "flash:c2960x-universalk9-mz.152-7.E3.bin"
	s.Facts[factImage], s.Facts[factBoot] = image, image
	s.Files[image] = NewImage("15.2(7)E3", 64<<10)
	s.Files["flash:vlan.dat"] = make([]byte, 3096+seed)
}

// Booted picks the image a bundle-mode device starts: the first entry of
// the boot variable that holds a lab image, else the first image on
// flash, as ROMMON does. An install-mode device boots packages.conf, and
// Host.boot has already applied its staged build.
func (p ciscoPersonality) Booted(s *State) {
	s.Facts[factReloadedBy] = "Reload Command"
	boot := splitBoot(s.Facts[factBoot])
	if len(boot) > 0 && strings.HasSuffix(boot[0], "packages.conf") {
		s.Facts[factImage] = boot[0]
		return
	}
	for _, image := range append(boot, sortedFlashFiles(s)...) {
		if version, ok := imageVersion(s.Files[normalizeFlashPath(image)]); ok {
			s.Build, s.Facts[factImage] = version, image
			return
		}
	}
}

func splitBoot(value string) []string {
	return strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == ',' })
}

// Exec serves the SCP sink and single show commands sent without a PTY.
func (p ciscoPersonality) Exec(ctx context.Context, x *Exec) (int, error) {
	if dst, ok := sshserver.ParseSCPSink(x.Line); ok {
		return serveFlashSCP(x, dst)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{x.Stdin, x.Stdout}
	cli := &ciscoCLI{p: p, host: x.Host, user: x.User, term: newCLITerm(rw, 0, "", "")}
	if err := cli.run(ctx, x.Line); err != nil {
		return 1, err
	}
	return 0, nil
}

// Shell serves the interactive CLI until the client leaves or the device
// reloads.
func (p ciscoPersonality) Shell(ctx context.Context, sess *ShellSession) error {
	term := newCLITerm(sess.RW, 24, " --More-- ", strings.Repeat("\b", 10)+strings.Repeat(" ", 10)+strings.Repeat("\b", 10))
	cli := &ciscoCLI{p: p, host: sess.Host, user: sess.User, term: term}
	term.write("\r\n")
	return serveCLI(ctx, sess, term, cli)
}

// ciscoCLI is the state of one CLI session: its mode and its terminal.
type ciscoCLI struct {
	p      ciscoPersonality
	host   *Host
	user   string
	term   *cliTerm
	config bool
}

func (c *ciscoCLI) leaves(line string) bool {
	return !c.config && (line == "exit" || line == "logout" || line == "quit")
}

func (c *ciscoCLI) prompt() string {
	if c.config {
		return c.host.Name() + "(config)#"
	}
	return c.host.Name() + "#"
}

// ciscoCommand is one command of the CLI: its keywords, which the user
// may abbreviate, and its handler, which gets the words after them.
type ciscoCommand struct {
	keywords []string
	xeOnly   bool
	run      func(c *ciscoCLI, ctx context.Context, args []string) error
}

var ciscoExecCommands = []ciscoCommand{
	{keywords: []string{"show", "version"}, run: (*ciscoCLI).showVersion},
	{keywords: []string{"show", "boot"}, run: (*ciscoCLI).showBoot},
	{keywords: []string{"terminal", "length"}, run: (*ciscoCLI).terminalLength},
	{keywords: []string{"terminal", "width"}, run: nothing},
	{keywords: []string{"enable"}, run: nothing},
	{keywords: []string{"dir"}, run: (*ciscoCLI).dir},
	{keywords: []string{"verify"}, run: (*ciscoCLI).verify},
	{keywords: []string{"configure", "terminal"}, run: (*ciscoCLI).configure},
	{keywords: []string{"write", "memory"}, run: (*ciscoCLI).writeMemory},
	{keywords: []string{"copy", "running-config", "startup-config"}, run: (*ciscoCLI).copyRunningStartup},
	{keywords: []string{"reload"}, run: (*ciscoCLI).reload},
	{keywords: []string{"install", "add", "file"}, xeOnly: true, run: (*ciscoCLI).install},
}

var ciscoConfigCommands = []ciscoCommand{
	{keywords: []string{"boot", "system"}, run: (*ciscoCLI).bootSystem},
	{keywords: []string{"no", "boot", "system"}, run: (*ciscoCLI).noBootSystem},
	{keywords: []string{"end"}, run: (*ciscoCLI).end},
	{keywords: []string{"exit"}, run: (*ciscoCLI).end},
}

func nothing(*ciscoCLI, context.Context, []string) error { return nil }

// run runs one command line. An error breaks the session.
func (c *ciscoCLI) run(ctx context.Context, line string) error {
	table := ciscoExecCommands
	if c.config {
		table = ciscoConfigCommands
	}
	words := strings.Fields(line)
	for _, cmd := range table {
		if args, ok := cmd.match(words); ok && (!cmd.xeOnly || c.p.xe) {
			return cmd.run(c, ctx, args)
		}
	}
	c.invalidInput(line, words)
	return nil
}

// match reports whether words start with the command's keywords, each
// typed in full or abbreviated, and returns the remaining words.
func (cmd ciscoCommand) match(words []string) ([]string, bool) {
	if len(words) < len(cmd.keywords) {
		return nil, false
	}
	for i, keyword := range cmd.keywords {
		if !strings.HasPrefix(keyword, strings.ToLower(words[i])) {
			return nil, false
		}
	}
	return words[len(cmd.keywords):], true
}

// invalidInput prints IOS's caret under the first word it does not know.
func (c *ciscoCLI) invalidInput(line string, words []string) {
	column := len(c.prompt())
	if len(words) > 0 {
		column += strings.Index(line, words[0])
	}
	c.term.print(strings.Repeat(" ", column) + "^\n% Invalid input detected at '^' marker.\n\n")
}

func (c *ciscoCLI) terminalLength(_ context.Context, args []string) error {
	n := 0
	if len(args) != 1 || !parseCount(args[0], &n) || n > 512 {
		c.term.print("% Incomplete command.\n\n")
		return nil
	}
	c.term.pageLines = n
	return nil
}

func parseCount(text string, n *int) bool {
	_, err := fmt.Sscanf(text, "%d", n)
	return err == nil && *n >= 0
}

func (c *ciscoCLI) configure(context.Context, []string) error {
	c.config = true
	return c.term.print("Enter configuration commands, one per line.  End with CNTL/Z.\n")
}

func (c *ciscoCLI) end(context.Context, []string) error {
	c.config = false
	return c.term.print(c.syslog("%%SYS-5-CONFIG_I: Configured from console by %s on vty0 (127.0.0.1)", c.user))
}

// syslog returns a log line as IOS prints it on the terminal monitor.
func (c *ciscoCLI) syslog(format string, args ...any) string {
	stamp := c.host.Clock().Now().UTC().Format("Jan _2 15:04:05.000")
	return fmt.Sprintf("*"+stamp+": "+format+"\n", args...)
}

func (c *ciscoCLI) bootSystem(_ context.Context, args []string) error {
	if len(args) == 0 {
		return c.term.print("% Incomplete command.\n\n")
	}
	image := args[len(args)-1]
	c.host.Change(func(s *State) {
		boot := splitBoot(s.Facts[factBoot])
		s.Facts[factBoot] = strings.Join(append(boot, image), ";")
		s.Facts[factDirty] = "yes"
	})
	return nil
}

func (c *ciscoCLI) noBootSystem(_ context.Context, args []string) error {
	c.host.Change(func(s *State) {
		var kept []string
		for _, image := range splitBoot(s.Facts[factBoot]) {
			if len(args) > 0 && image != args[len(args)-1] {
				kept = append(kept, image)
			}
		}
		s.Facts[factBoot] = strings.Join(kept, ";")
		s.Facts[factDirty] = "yes"
	})
	return nil
}

func (c *ciscoCLI) writeMemory(context.Context, []string) error {
	c.save()
	return c.term.print("Building configuration...\n[OK]\n")
}

func (c *ciscoCLI) copyRunningStartup(ctx context.Context, _ []string) error {
	answer, err := c.term.ask(ctx, "Destination filename [startup-config]? ")
	if err != nil {
		return err
	}
	if answer != "" && answer != "startup-config" {
		return c.term.print("%Error opening " + answer + " (Permission denied)\n")
	}
	return c.writeMemory(ctx, nil)
}

func (c *ciscoCLI) save() {
	c.host.ChangeIf(func(s *State) bool {
		dirty := s.Facts[factDirty] != ""
		delete(s.Facts, factDirty)
		return dirty
	})
}

// reload asks to save a modified configuration and to proceed, then
// restarts the device, which ends the session.
func (c *ciscoCLI) reload(ctx context.Context, _ []string) error {
	var dirty bool
	c.host.View(func(s *State) { dirty = s.Facts[factDirty] != "" })
	if dirty {
		if err := c.askSave(ctx); err != nil {
			return err
		}
	}
	key, err := c.term.askKey("Proceed with reload? [confirm]")
	if err != nil {
		return err
	}
	if key != '\r' && key != '\n' && key != 'y' && key != 'Y' {
		return nil
	}
	c.term.print(c.syslog("%%SYS-5-RELOAD: Reload requested by %s on vty0 (127.0.0.1). Reload Reason: Reload Command.", c.user))
	c.host.Reboot()
	return errReloading
}

func (c *ciscoCLI) askSave(ctx context.Context) error {
	for range 3 {
		answer, err := c.term.ask(ctx, "System configuration has been modified. Save? [yes/no]: ")
		if err != nil {
			return err
		}
		switch strings.ToLower(answer) {
		case "yes", "y":
			return c.writeMemory(ctx, nil)
		case "no", "n":
			return nil
		}
		c.term.print("% Please answer 'yes' or 'no'.\n")
	}
	return nil
}
