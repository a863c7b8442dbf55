package sshserver

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"patchbay/remote/lab/hostexec"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStartRejectsNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:22", "localhost:0"} {
		s, err := Start(Config{Address: addr, Handler: LocalShell{}})
		if err == nil {
			s.Close()
			t.Errorf("Start(%q) succeeded, want an error", addr)
			continue
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("error %q does not name the address %q", err, addr)
		}
	}
}

func TestStartRequiresHandler(t *testing.T) {
	if _, err := Start(Config{}); err == nil {
		t.Error("Start without a handler succeeded")
	}
}

func TestParseSCPSink(t *testing.T) {
	tests := []struct {
		command, dst string
		ok           bool
	}{
		{"scp -t /tmp/file", "/tmp/file", true},
		{"scp -t '/tmp/with space'", "/tmp/with space", true},
		{`scp -t '/tmp/it'\''s'`, "/tmp/it's", true},
		{"scp -t -- /tmp/x", "/tmp/x", true},
		{"scp -f /tmp/file", "", false},
		{"scp -t /tmp/a /tmp/b", "", false},
		{"cat /tmp/file", "", false},
	}
	for _, tc := range tests {
		dst, ok := ParseSCPSink(tc.command)
		if ok != tc.ok || dst != tc.dst {
			t.Errorf("ParseSCPSink(%q) = %q, %v; want %q, %v", tc.command, dst, ok, tc.dst, tc.ok)
		}
	}
}

// scpSession feeds client input to ServeSCPSink and returns what the sink
// wrote back and the files it received.
func scpSession(t *testing.T, input string) (string, map[string]string, int) {
	t.Helper()
	var out bytes.Buffer
	files := map[string]string{}
	create := func(path string, mode fs.FileMode, size int64, r io.Reader) error {
		content, err := io.ReadAll(io.LimitReader(r, size))
		files[path] = mode.String() + " " + string(content)
		return err
	}
	req := hostexec.Request{Stdin: strings.NewReader(input), Stdout: &out, Stderr: io.Discard}
	code, err := ServeSCPSink(req, "/dst/file", create)
	if err != nil {
		t.Fatalf("serve scp sink: %v", err)
	}
	return out.String(), files, code
}

func TestSCPSinkReceivesFile(t *testing.T) {
	acks, files, code := scpSession(t, "T1 0 1 0\nC0640 5 file\nhello\x00")
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if acks != "\x00\x00\x00\x00" {
		t.Errorf("acknowledgements %q, want four zero bytes", acks)
	}
	if got := files["/dst/file"]; got != "-rw-r----- hello" {
		t.Errorf("received %q, want mode -rw-r----- and content hello", got)
	}
}

func TestSCPSinkRejectsDirectory(t *testing.T) {
	acks, files, code := scpSession(t, "D0755 0 dir\n")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.HasPrefix(acks, "\x00\x02") || !strings.Contains(acks, "only single files") {
		t.Errorf("reply %q, want a fatal error naming the limit", acks)
	}
	if len(files) != 0 {
		t.Errorf("files received: %v", files)
	}
}

func TestSCPSinkInvalidSize(t *testing.T) {
	acks, _, code := scpSession(t, "C0640 many file\n")
	if code != 1 || !strings.Contains(acks, "invalid size") {
		t.Errorf("code %d, reply %q; want 1 and an invalid size error", code, acks)
	}
}

// recordingHandler records the requests it gets and exits with code.
type recordingHandler struct {
	code int
	got  chan hostexec.Request
}

func (h recordingHandler) Exec(ctx context.Context, req hostexec.Request) (int, error) {
	io.WriteString(req.Stdout, "out:"+req.Command)
	io.WriteString(req.Stderr, "err")
	h.got <- req
	return h.code, nil
}

func TestServerDispatchesExec(t *testing.T) {
	handler := recordingHandler{code: 7, got: make(chan hostexec.Request, 1)}
	s, err := Start(Config{Host: "pc-1", Handler: handler, Passwords: map[string]string{"tech": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	client, err := gossh.Dial("tcp", s.Addr(), &gossh.ClientConfig{
		User: "tech", Auth: []gossh.AuthMethod{gossh.Password("pw")},
		HostKeyCallback: gossh.FixedHostKey(s.HostKey()),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	var stdout, stderr bytes.Buffer
	session.Stdout, session.Stderr = &stdout, &stderr
	err = session.Run("uname -a")
	exit, ok := err.(*gossh.ExitError)
	if !ok || exit.ExitStatus() != 7 {
		t.Errorf("run error %v, want exit status 7", err)
	}

	req := <-handler.got
	if req.Host != "pc-1" || req.User != "tech" || req.Command != "uname -a" {
		t.Errorf("request host %q user %q command %q", req.Host, req.User, req.Command)
	}
	if stdout.String() != "out:uname -a" || stderr.String() != "err" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

// TestCloseRightAfterStart checks that Close returns even when Serve has
// not yet begun accepting, which once left Close waiting forever.
func TestCloseRightAfterStart(t *testing.T) {
	for i := 0; i < 200; i++ {
		s, err := Start(Config{Address: "127.0.0.1:0", Handler: LocalShell{}})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		done := make(chan struct{})
		go func() {
			s.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("close %d did not return within 10 s", i)
		}
	}
}
