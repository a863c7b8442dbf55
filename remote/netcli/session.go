package netcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"time"
)

// Config sets up a Session.
type Config struct {
	Platform Platform
	// Paging replaces the platform's commands that turn paging off. A
	// non-nil empty slice sends none.
	Paging []string
	// Settle is how long the device must stay quiet before a prompt-like
	// line counts as a prompt that waits for input. It keeps a line that
	// merely ends in "[y/n]" from being taken for a question. Default
	// 300 ms.
	Settle time.Duration
	// Logger receives the syslog lines removed from output, with the key
	// "syslog". Default: discarded.
	Logger *slog.Logger
}

// Expect is a prompt the caller knows a command will print, with the
// text to send when it appears. Each Expect is answered at most once.
type Expect struct {
	Prompt string // text that ends the prompt line, such as "Proceed with reload? [confirm]"
	Answer string // sent as is; "\n" for Enter
}

// Session is an interactive CLI session on one device. It is not safe for
// concurrent use.
type Session struct {
	rw       io.ReadWriter
	cfg      Config
	results  chan readResult
	done     chan struct{}
	stopped  chan struct{}
	clean    cleaner
	text     []byte // cleaned output since the current command was sent
	answered int    // offset in text up to which prompts were answered
	host     string
	prompt   *regexp.Regexp
	syslog   []string
	err      error // set once the session is in an unknown state
}

type readResult struct {
	data []byte
	err  error
}

const defaultSettle = 300 * time.Millisecond

// Open finds the device prompt on rw and turns paging off. The context
// bounds the whole set-up. When rw is an io.Closer, Close closes it.
// NOTE: otherwise the reader goroutine ends only when rw.Read returns, so
// pass a closable ReadWriter such as an SSH session's shell.
func Open(ctx context.Context, rw io.ReadWriter, cfg Config) (*Session, error) {
	if cfg.Settle <= 0 {
		cfg.Settle = defaultSettle
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Paging == nil {
		cfg.Paging = pagingCommands[cfg.Platform]
	}
	s := &Session{rw: rw, cfg: cfg, results: make(chan readResult), done: make(chan struct{}), stopped: make(chan struct{})}
	go s.readLoop()
	if err := s.findPrompt(ctx); err != nil {
		s.Close()
		return nil, err
	}
	for _, command := range cfg.Paging {
		if _, err := s.Run(ctx, command); err != nil {
			s.Close()
			return nil, fmt.Errorf("turn paging off with %q: %w", command, err)
		}
	}
	return s, nil
}

// Host returns the host name read from the prompt; on EdgeOS it is
// "user@host".
func (s *Session) Host() string { return s.host }

// Syslog returns every syslog line removed from command output so far.
func (s *Session) Syslog() []string { return append([]string(nil), s.syslog...) }

// Close stops the session. It closes the ReadWriter when it is an
// io.Closer and then waits for the reader goroutine to end.
func (s *Session) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	closer, ok := s.rw.(io.Closer)
	if !ok {
		return nil
	}
	err := closer.Close()
	<-s.stopped
	return err
}

func (s *Session) readLoop() {
	defer close(s.stopped)
	for {
		buf := make([]byte, 4096)
		n, err := s.rw.Read(buf)
		if n > 0 && !s.deliver(readResult{data: buf[:n]}) {
			return
		}
		if err != nil {
			s.deliver(readResult{err: err})
			return
		}
	}
}

func (s *Session) deliver(result readResult) bool {
	select {
	case s.results <- result:
		return true
	case <-s.done:
		return false
	}
}

func (s *Session) send(text string) error {
	if _, err := io.WriteString(s.rw, text); err != nil {
		s.err = ErrSessionDropped
		return fmt.Errorf("%w: write: %v", ErrSessionDropped, err)
	}
	return nil
}

// receive waits for the next chunk and cleans it into s.text. It returns
// ErrSessionDropped when the device closed the session.
func (s *Session) receive(result readResult) error {
	if result.err != nil {
		s.err = ErrSessionDropped
		if errors.Is(result.err, io.EOF) {
			return ErrSessionDropped
		}
		return fmt.Errorf("%w: %v", ErrSessionDropped, result.err)
	}
	s.text = s.clean.write(s.text, result.data)
	return nil
}

// findPrompt waits until a prompt-shaped line stays unchanged for the
// settle time. If the device prints nothing for that long, it sends one
// Enter to make it print a prompt.
func (s *Session) findPrompt(ctx context.Context) error {
	generic := genericPrompts[s.cfg.Platform]
	quiet := time.NewTimer(s.cfg.Settle)
	defer quiet.Stop()
	nudged := false
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w; last output %q", ErrNoPrompt, ctx.Err(), lastLine(s.text, 0))
		case result := <-s.results:
			if err := s.receive(result); err != nil {
				return err
			}
			quiet.Reset(s.cfg.Settle)
		case <-quiet.C:
			if m := generic.FindStringSubmatch(lastLine(s.text, 0)); m != nil {
				s.host, s.prompt = m[1], hostPrompt(s.cfg.Platform, m[1])
				s.text = s.text[:0]
				return nil
			}
			if !nudged {
				nudged = true
				if err := s.send("\n"); err != nil {
					return err
				}
			}
			quiet.Reset(s.cfg.Settle)
		}
	}
}
