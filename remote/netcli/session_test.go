package netcli

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const testSettle = 50 * time.Millisecond

const syslogMessage = "*Mar  1 00:01:02.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.0.2.10)"

// newIOSDevice returns a fake IOS switch whose show version prints the
// real capture with a syslog line in the middle.
func newIOSDevice(t *testing.T) *fakeDevice {
	showVersion := captureLines(loadCapture(t, "cisco_ios_show_version_cat4948e_12.2-54-SG1.txt"))
	return &fakeDevice{
		prompt: "sw-core-1#", paging: true, pageSize: 15,
		handlers: map[string]func(d *fakeDevice){
			"terminal length 0": func(d *fakeDevice) { d.paging = false },
			"show version": func(d *fakeDevice) {
				d.printPaged(showVersion, map[int]string{10: syslogMessage})
			},
			"reload": func(d *fakeDevice) {
				if enter, ok := d.ask("Proceed with reload? [confirm]"); ok && enter {
					d.print("\r\n")
					d.drop()
				}
			},
			"copy running-config startup-config": func(d *fakeDevice) {
				if enter, ok := d.ask("Destination filename [startup-config]? "); ok && enter {
					d.print("\r\nBuilding configuration...\r\n[OK]\r\n")
				}
			},
			"show clock": func(d *fakeDevice) {
				d.print("\x1b[1m*00:05:10.123 UTC\x1b[0m Fri Mar 1 1993\r\n")
				d.print("tpyo\b\b\bypo fixed\r\n")
			},
			"configure terminal": func(d *fakeDevice) {
				d.print("Enter configuration commands, one per line.  End with CNTL/Z.\r\n")
				d.prompt = "sw-core-1(config)#"
			},
			"interface Vlan1": func(d *fakeDevice) { d.prompt = "sw-core-1(config-if)#" },
			"end": func(d *fakeDevice) {
				d.prompt = "sw-core-1#"
				d.print(syslogMessage + "\r\n")
			},
			"debug hang": func(d *fakeDevice) {
				for {
					if _, err := d.in.ReadByte(); err != nil {
						return
					}
				}
			},
		},
	}
}

// checkLeaks registers the goroutine leak check first, so that it runs
// after every other cleanup has closed sessions and stopped devices.
func checkLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

func openIOS(t *testing.T, device *fakeDevice, paging []string) *Session {
	t.Helper()
	conn := startDevice(t, device, "\r\nUser Access Verification\r\n\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	session, err := Open(ctx, conn, Config{Platform: IOS, Settle: testSettle, Paging: paging})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenDetectsPromptAndPaging(t *testing.T) {
	checkLeaks(t)
	device := newIOSDevice(t)
	session := openIOS(t, device, nil)
	if session.Host() != "sw-core-1" {
		t.Errorf("Host = %q", session.Host())
	}
	if device.paging {
		t.Error("paging still on after Open")
	}
	if log := device.log(); !slices.Equal(log, []string{"terminal length 0"}) {
		t.Errorf("device received %q", log)
	}
	session.Close()
}

func TestRunSyslogFiltered(t *testing.T) {
	checkLeaks(t)
	session := openIOS(t, newIOSDevice(t), nil)
	output, err := session.Run(testContext(t), "show version")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimRight(loadCapture(t, "cisco_ios_show_version_cat4948e_12.2-54-SG1.txt"), "\n")
	if output != want {
		t.Errorf("output differs from the capture:\n%s", output)
	}
	if got := session.Syslog(); !slices.Equal(got, []string{syslogMessage}) {
		t.Errorf("Syslog = %q", got)
	}
	session.Close()
}

func TestRunAnswersMorePages(t *testing.T) {
	checkLeaks(t)
	device := newIOSDevice(t)
	session := openIOS(t, device, []string{})
	output, err := session.Run(testContext(t), "show version")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimRight(loadCapture(t, "cisco_ios_show_version_cat4948e_12.2-54-SG1.txt"), "\n")
	if output != want {
		t.Errorf("paged output differs from the capture:\n%s", output)
	}
	if strings.Contains(output, "More") {
		t.Error("pager prompt left in the output")
	}
	if got := device.log(); !slices.Equal(got, []string{"show version", "<more: >", "<more: >"}) {
		t.Errorf("device received %q", got)
	}
	session.Close()
}

func TestRunCleansEscapes(t *testing.T) {
	checkLeaks(t)
	session := openIOS(t, newIOSDevice(t), nil)
	output, err := session.Run(testContext(t), "show clock")
	if err != nil {
		t.Fatal(err)
	}
	if output != "*00:05:10.123 UTC Fri Mar 1 1993\ntypo fixed" {
		t.Errorf("output = %q", output)
	}
	session.Close()
}

func TestRunExpectedConfirmation(t *testing.T) {
	checkLeaks(t)
	session := openIOS(t, newIOSDevice(t), nil)
	output, err := session.Run(testContext(t), "copy running-config startup-config",
		Expect{Prompt: "Destination filename [startup-config]?", Answer: "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(output, "Building configuration...\n[OK]") {
		t.Errorf("output = %q", output)
	}
	if _, err := session.Run(testContext(t), "show clock"); err != nil {
		t.Errorf("next command: %v", err)
	}
	session.Close()
}

func TestRunUnexpectedConfirmation(t *testing.T) {
	checkLeaks(t)
	device := newIOSDevice(t)
	session := openIOS(t, device, nil)
	_, err := session.Run(testContext(t), "reload")
	var prompt *UnexpectedPromptError
	if !errors.As(err, &prompt) {
		t.Fatalf("err = %v, want *UnexpectedPromptError", err)
	}
	if prompt.Prompt != "Proceed with reload? [confirm]" || prompt.Command != "reload" {
		t.Errorf("prompt = %+v", prompt)
	}
	if !strings.Contains(err.Error(), "Proceed with reload? [confirm]") {
		t.Errorf("error text %q does not name the prompt", err)
	}
	if _, err := session.Run(testContext(t), "show clock"); !errors.Is(err, ErrSessionUnusable) {
		t.Errorf("Run after unexpected prompt: err = %v", err)
	}
	session.Close()
	for _, line := range device.log() {
		if strings.HasPrefix(line, "<answer:") {
			t.Errorf("device received an answer: %q", device.log())
		}
	}
}

func TestRunReloadDropsSession(t *testing.T) {
	checkLeaks(t)
	device := newIOSDevice(t)
	session := openIOS(t, device, nil)
	_, err := session.Run(testContext(t), "reload", Expect{Prompt: "Proceed with reload? [confirm]", Answer: "\n"})
	if !errors.Is(err, ErrSessionDropped) {
		t.Fatalf("err = %v, want ErrSessionDropped", err)
	}
	if got := device.log(); !slices.Equal(got, []string{"terminal length 0", "reload", "<answer:\n>"}) {
		t.Errorf("device received %q", got)
	}
	session.Close()
}

func TestRunTimeout(t *testing.T) {
	checkLeaks(t)
	session := openIOS(t, newIOSDevice(t), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := session.Run(ctx, "debug hang")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if _, err := session.Run(testContext(t), "show clock"); !errors.Is(err, ErrSessionUnusable) {
		t.Errorf("Run after timeout: err = %v", err)
	}
	session.Close()
}

func TestOpenNoPrompt(t *testing.T) {
	checkLeaks(t)
	device := &fakeDevice{prompt: "", handlers: map[string]func(d *fakeDevice){}}
	conn := startDevice(t, device, "Login incorrect\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Open(ctx, conn, Config{Platform: IOS, Settle: testSettle})
	if !errors.Is(err, ErrNoPrompt) {
		t.Errorf("err = %v, want ErrNoPrompt", err)
	}
}

func TestFortiOSSession(t *testing.T) {
	checkLeaks(t)
	status := captureLines(loadCapture(t, "fortios_get_system_status_7.0.7_fg60f_standalone.txt"))
	device := &fakeDevice{prompt: "FGT60F # ", pageSize: 10, paging: true}
	device.handlers = map[string]func(d *fakeDevice){
		"config system console": func(d *fakeDevice) { d.prompt = "FGT60F (console) # " },
		"set output standard":   func(d *fakeDevice) { d.paging = false },
		"end":                   func(d *fakeDevice) { d.prompt = "FGT60F # " },
		"get system status":     func(d *fakeDevice) { d.printPaged(status, nil) },
	}
	conn := startDevice(t, device, "")
	session, err := Open(testContext(t), conn, Config{Platform: FortiOS, Settle: testSettle})
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if session.Host() != "FGT60F" || device.paging {
		t.Errorf("Host %q, paging %v", session.Host(), device.paging)
	}
	output, err := session.Run(testContext(t), "get system status")
	if err != nil {
		t.Fatal(err)
	}
	if output != strings.Join(status, "\n") {
		t.Errorf("output differs from the capture:\n%s", output)
	}
}

func TestEdgeOSSession(t *testing.T) {
	checkLeaks(t)
	version := captureLines(loadCapture(t, "edgeos_show_version_er6p_v2.0.6.txt"))
	device := &fakeDevice{prompt: "admin@er6p:~$ ", handlers: map[string]func(d *fakeDevice){
		"show version": func(d *fakeDevice) { d.printPaged(version, nil) },
	}}
	conn := startDevice(t, device, "Welcome to EdgeOS\r\n")
	session, err := Open(testContext(t), conn, Config{Platform: EdgeOS, Settle: testSettle})
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if session.Host() != "admin@er6p" {
		t.Errorf("Host = %q", session.Host())
	}
	output, err := session.Run(testContext(t), "show version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(output, "Version:      v2.0.6\n") || !strings.Contains(output, "HW model:     EdgeRouter 6P") {
		t.Errorf("output = %q", output)
	}
}

func TestSyslogLinePatterns(t *testing.T) {
	for _, line := range []string{
		syslogMessage,
		"000123: Mar  1 00:01:02 UTC: %LINK-3-UPDOWN: Interface GigabitEthernet1/0/1, changed state to up",
		"%LINEPROTO-5-UPDOWN: Line protocol on Interface Vlan1, changed state to up",
	} {
		if !syslogLine.MatchString(line) {
			t.Errorf("not taken for syslog: %q", line)
		}
	}
	if syslogLine.MatchString("Configuration register is 0x2102") {
		t.Error("output line taken for syslog")
	}
}

func FuzzCleaner(f *testing.F) {
	f.Add([]byte("a\x1b[1mb\x1b[0m\r\nc\b\bd --More-- \x1b("))
	f.Fuzz(func(t *testing.T, chunk []byte) {
		var c cleaner
		text := c.write(nil, chunk)
		if strings.ContainsAny(string(text), "\r\b") {
			t.Errorf("cleaned text %q keeps a CR or backspace", text)
		}
	})
}

func TestRunInstallActivateDrops(t *testing.T) {
	checkLeaks(t)
	capture := loadCapture(t, "cisco_iosxe_install_add_activate_commit_c8000v_17.15.01a_success.txt")
	before, after, _ := strings.Cut(capture, "[y/n]y")

	command := "install add file bootflash:c8000v-universalk9.17.15.01a.SPA.bin activate commit"
	device := &fakeDevice{prompt: "rtr-example-1#", handlers: map[string]func(d *fakeDevice){
		"terminal length 0": func(d *fakeDevice) {},
		command: func(d *fakeDevice) {
			enter, ok := d.ask(strings.ReplaceAll(before, "\n", "\r\n") + "[y/n]")
			if ok && !enter {
				d.print(strings.ReplaceAll(after, "\n", "\r\n"))
				d.drop()
			}
		},
	}}
	conn := startDevice(t, device, "\r\n")
	session, err := Open(testContext(t), conn, Config{Platform: IOS, Settle: testSettle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })

	output, err := session.Run(testContext(t), command, Expect{Prompt: "Do you want to proceed? [y/n]", Answer: "y"})
	if !errors.Is(err, ErrSessionDropped) {
		t.Fatalf("err = %v, want ErrSessionDropped", err)
	}
	if !strings.Contains(output, "SUCCESS: install_add_activate_commit Fri Sep 20 01:18:49 UTC 2024") {
		t.Errorf("output lacks the success marker:\n%s", output)
	}
	if got := device.log(); got[len(got)-1] != "<answer:y>" {
		t.Errorf("device received %q", got)
	}
}

func TestRunConfigModePrompts(t *testing.T) {
	checkLeaks(t)
	session := openIOS(t, newIOSDevice(t), nil)
	for _, command := range []string{"configure terminal", "interface Vlan1", "end"} {
		if _, err := session.Run(testContext(t), command); err != nil {
			t.Fatalf("%s: %v", command, err)
		}
	}
	output, err := session.Run(testContext(t), "show clock")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(output, "*00:05:10.123 UTC") {
		t.Errorf("output after config mode = %q", output)
	}
	if got := session.Syslog(); len(got) != 1 || got[0] != syslogMessage {
		t.Errorf("Syslog = %q", got)
	}
}

func TestFortiOSMorePages(t *testing.T) {
	checkLeaks(t)
	status := captureLines(loadCapture(t, "fortios_get_system_status_7.0.7_fg60f_standalone.txt"))
	device := &fakeDevice{prompt: "FGT60F # ", pageSize: 10, paging: true, eraseWithCR: true}
	device.handlers = map[string]func(d *fakeDevice){
		"get system status": func(d *fakeDevice) { d.printPaged(status, nil) },
	}
	conn := startDevice(t, device, "")
	session, err := Open(testContext(t), conn, Config{Platform: FortiOS, Settle: testSettle, Paging: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })

	output, err := session.Run(testContext(t), "get system status")
	if err != nil {
		t.Fatal(err)
	}
	if output != strings.Join(status, "\n") {
		t.Errorf("paged output differs from the capture:\n%q", output)
	}
	if got := device.log(); len(got) != 3 || got[1] != "<more: >" {
		t.Errorf("device received %q", got)
	}
}

func TestCleanerCarriageReturns(t *testing.T) {
	var c cleaner
	text := c.write(nil, []byte("line one\r"))
	text = c.write(text, []byte("\nprogress 10%\rprogress 99%\r\ndone"))
	if string(text) != "line one\nprogress 99%\ndone" {
		t.Errorf("cleaned = %q", text)
	}
}
