package winrmremote_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/remote"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/winrmremote"
)

func runPS(t *testing.T, s remote.Session, script string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errs strings.Builder
	err = s.Run(context.Background(), remote.Command{PowerShell: script}, &out, &errs)
	return out.String(), errs.String(), err
}

func TestPowerShellExitCodes(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[1], wsman.Faults{})
	s := l.dial(t)

	stdout, _, err := runPS(t, s, "lab:echo grüße")
	if err != nil || stdout != "grüße\r\n" {
		t.Errorf("echo: stdout %q, err %v", stdout, err)
	}
	_, _, err = runPS(t, s, "lab:exit 3010")
	var exit *remote.ExitError
	if !errors.As(err, &exit) || exit.Code != 3010 {
		t.Errorf("exit 3010: err %v", err)
	}
	_, stderr, err := runPS(t, s, "lab:throw Access is denied.")
	if !errors.As(err, &exit) || exit.Code != 1 {
		t.Errorf("throw: err %v, want exit status 1", err)
	}
	if !strings.HasPrefix(stderr, "Access is denied.") {
		t.Errorf("throw: stderr %q", stderr)
	}
}

func TestPowerShellCLIXMLIsSuccess(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	s := l.dial(t)
	_, stderr, err := runPS(t, s, "lab:clixml")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := "Get-Service : Cannot find any service with service name 'EHRClient'.\nWARNING: Service query took long.\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}

func TestPowerShellInvalidUTF8Escaped(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	s := l.dial(t)
	stdout, _, err := runPS(t, s, "lab:latin1")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != `Stra\xDFe caf\xE9`+"\r\n" {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestLongScriptGoesOnStdin(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[1], wsman.Faults{})
	s := l.dial(t)
	script := "lab:echo long\n# " + strings.Repeat("padding ", 2000)
	stdout, stderr, err := runPS(t, s, script)
	if err != nil || stdout != "long\r\n" {
		t.Errorf("stdout %q stderr %q err %v", stdout, stderr, err)
	}
	err = s.Run(context.Background(), remote.Command{PowerShell: script, Stdin: strings.NewReader("x")}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "too long for the command line") {
		t.Errorf("long script with stdin: err %v", err)
	}
}

func TestLineAndPowerShellExclusive(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	s := l.dial(t)
	err := s.Run(context.Background(), remote.Command{Line: "echo a", PowerShell: "lab:echo b"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "both Line and PowerShell") {
		t.Errorf("err = %v", err)
	}
}

func TestCopyFileShortSource(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	s := l.dial(t)
	err := s.CopyFile(context.Background(), strings.NewReader("short"), 100, `C:\Temp\kb.msu`, 0o644)
	if err == nil {
		t.Fatal("copy of a short source succeeded")
	}
	if _, ok := l.host.file(`C:\Temp\kb.msu`); ok {
		t.Error("the lab host stored a partial file")
	}
}

func TestCopyFileContent(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[1], wsman.Faults{})
	s := l.dial(t)
	content := bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff}, 300000)
	dst := `C:\Program Files\Clinic App\update's.msi`
	if err := s.CopyFile(context.Background(), bytes.NewReader(content), int64(len(content)), dst, 0o644); err != nil {
		t.Fatal(err)
	}
	stored, _ := l.host.file(dst)
	if !bytes.Equal(stored, content) {
		t.Errorf("stored %d bytes, want %d", len(stored), len(content))
	}
}

func TestConcurrentSessions(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- dialAndEcho(l.cfg, i)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func dialAndEcho(cfg winrmremote.Config, i int) error {
	s, err := winrmremote.Dial(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var out strings.Builder
	if err := s.Run(context.Background(), remote.Command{Line: fmt.Sprintf("echo %d", i)}, &out, nil); err != nil {
		return err
	}
	if out.String() != fmt.Sprintf("%d\r\n", i) {
		return fmt.Errorf("session %d: stdout %q", i, out.String())
	}
	return nil
}

func TestConcurrentRunsOneSession(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[1], wsman.Faults{})
	s := l.dial(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out strings.Builder
			err := s.Run(context.Background(), remote.Command{Line: "lab-cat", Stdin: strings.NewReader(strings.Repeat("z", 200000))}, &out, nil)
			if err == nil && out.Len() != 200000 {
				err = fmt.Errorf("run %d: %d bytes back", i, out.Len())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestCopyFileStaysBelowEnvelope(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const limit = 64 << 10
			l := startLab(t, m, wsman.Faults{MaxEnvelope: limit})
			l.cfg.EnvelopeSize = limit
			s := l.dial(t)
			content := bytes.Repeat([]byte("KB5034441 "), 100000)
			if err := s.CopyFile(context.Background(), bytes.NewReader(content), int64(len(content)), `C:\Temp\kb.msu`, 0); err != nil {
				t.Fatalf("copy: %v", err)
			}
			if stored, _ := l.host.file(`C:\Temp\kb.msu`); !bytes.Equal(stored, content) {
				t.Error("the stored file differs from the source")
			}
		})
	}
}

// TestIdleChannelsRedial closes every idle NTLM connection of a session
// that has several, as an idle timeout does while a run waits out a retry
// back-off. The next command must authenticate a new connection instead
// of failing on the second stale one.
func TestIdleChannelsRedial(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes[1:] {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			s := l.dial(t)
			runConcurrently(t, s, 4)
			l.srv.DropConnections()
			time.Sleep(100 * time.Millisecond) // let the client see the closes

			var out strings.Builder
			err := s.Run(context.Background(), remote.Command{Line: "echo again"}, &out, nil)
			if err != nil {
				t.Fatalf("run after idle connections closed: %v", err)
			}
			if out.String() != "again\r\n" {
				t.Errorf("stdout = %q, want %q", out.String(), "again\r\n")
			}
		})
	}
}

// runConcurrently runs n commands at once on s, so that its transport
// keeps several authenticated connections.
func runConcurrently(t *testing.T, s remote.Session, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Run(context.Background(), remote.Command{Line: "lab-cat", Stdin: strings.NewReader("x")}, io.Discard, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
