package winrmremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/masterzen/winrm"

	"patchbay/remote"
)

// Session is a WinRM session to one host. Several goroutines may call Run
// at the same time: each Run has its own remote shell.
type Session struct {
	cfg    Config
	t      *transport
	params winrm.Parameters

	closing context.Context // cancelled by Close: ends every request
	close   context.CancelFunc
	jobs    sync.WaitGroup // commands that outlive a cancelled Run
	once    sync.Once
}

var _ remote.Session = (*Session)(nil)

// Dial checks cfg, reads the password and opens and deletes one remote
// shell, so that a wrong address, certificate or password fails here and
// not at the first command. An invalid cfg returns an error wrapping
// ErrConfig. Every other failure returns a *remote.Error.
func Dial(ctx context.Context, cfg Config) (remote.Session, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	password, err := cfg.Password(ctx)
	if err != nil {
		return nil, &remote.Error{Host: cfg.Host, Kind: remote.KindCredential, Op: "dial", Err: err}
	}
	t, err := newTransport(cfg, password)
	if err != nil {
		return nil, err // only configuration errors: the CA file
	}
	closing, closeFn := context.WithCancel(context.Background())
	s := &Session{cfg: cfg, t: t, closing: closing, close: closeFn, params: parameters(cfg)}
	if err := s.probe(ctx); err != nil {
		s.Close()
		return nil, classify(cfg.Host, "dial", contextError(ctx, err))
	}
	return s, nil
}

// parameters sizes the requests: the winrm package sends standard input
// in pieces of EnvelopeSize-1000 bytes, which base64 makes 4/3 larger,
// so EnvelopeSize is set to keep those below the host's limit.
func parameters(cfg Config) winrm.Parameters {
	envelope := cfg.EnvelopeSize*3/4 - 4096
	timeout := fmt.Sprintf("PT%dS", int(cfg.OperationTimeout.Round(time.Second)/time.Second))
	return *winrm.NewParameters(timeout, "en-US", envelope)
}

func (s *Session) probe(ctx context.Context) error {
	client, err := s.client(ctx)
	if err != nil {
		return err
	}
	shell, err := client.CreateShell()
	if err != nil {
		return err
	}
	return shell.Close()
}

// client returns a winrm client whose requests run under ctx.
func (s *Session) client(ctx context.Context) (*winrm.Client, error) {
	params := s.params
	params.TransportDecorator = func() winrm.Transporter { return boundTransport{t: s.t, ctx: ctx} }
	endpoint := &winrm.Endpoint{Host: s.cfg.Address, Port: s.cfg.Port, HTTPS: s.cfg.HTTPS}
	return winrm.NewClientWithParameters(endpoint, s.cfg.User, "", &params)
}

// Close gives the commands of cancelled Runs up to cleanupGrace to be
// signalled and their shells deleted, then ends every request of the
// session and waits for them. It is safe to call more than once.
func (s *Session) Close() error {
	s.once.Do(func() {
		finished := make(chan struct{})
		go func() {
			s.jobs.Wait()
			close(finished)
		}()
		timer := time.NewTimer(cleanupGrace)
		defer timer.Stop()
		select {
		case <-finished:
		case <-timer.C:
		}
		s.close()
		<-finished
		s.t.close()
	})
	return nil
}

// Run runs cmd in a new remote shell. When ctx ends first, Run returns at
// once with an error that wraps ctx.Err(). The command is then signalled
// to stop and its shell deleted in the background, for at most
// cleanupGrace or until Close.
func (s *Session) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	if cmd.Line != "" && cmd.PowerShell != "" {
		return &remote.Error{Host: s.cfg.Host, Kind: remote.KindOther, Op: "run",
			Err: errors.New("the command sets both Line and PowerShell; set one")}
	}
	line, stdin := cmd.Line, cmd.Stdin
	if cmd.PowerShell != "" {
		var script string
		line, script = powerShellCommand(cmd.PowerShell)
		if script != "" && stdin != nil {
			return &remote.Error{Host: s.cfg.Host, Kind: remote.KindOther, Op: "run",
				Err: fmt.Errorf("the script is %d characters, too long for the command line, so it goes on standard input, "+
					"which the command also uses; copy the script to the host with CopyFile and run it from there", len(cmd.PowerShell))}
		}
		if script != "" {
			stdin = strings.NewReader(script)
		}
		out := &utf8Writer{w: stdout}
		errs := &errorStream{w: &utf8Writer{w: stderr}}
		defer out.Flush()
		defer errs.Flush()
		stdout, stderr = out, errs
	}
	return s.run(ctx, line, stdin, stdout, stderr)
}

// run executes line and maps its result to the remote errors.
func (s *Session) run(ctx context.Context, line string, stdin io.Reader, stdout, stderr io.Writer) error {
	code, err := s.execute(ctx, line, stdin, stdout, stderr)
	switch {
	case err != nil:
		return classify(s.cfg.Host, "run", err)
	case code != 0:
		return &remote.ExitError{Code: code}
	}
	return nil
}

// contextError prefers the context's error, so that a cancelled call
// wraps context.Canceled whatever the transport reported.
func contextError(ctx context.Context, err error) error {
	if ctx.Err() != nil && err != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}
