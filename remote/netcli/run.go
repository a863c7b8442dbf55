package netcli

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// scanState is the state of the output received so far.
type scanState int

const (
	scanWaiting  scanState = iota // more output is due
	scanDone                      // the device prompt is back
	scanQuestion                  // a line waits for an answer that no Expect covers
)

// Run sends command and returns its output without the echoed command,
// the closing prompt and syslog lines. Prompts listed in expects are
// answered when they appear; any other confirmation prompt that stays
// unanswered for the settle time returns *UnexpectedPromptError. When the
// device drops the session the error wraps ErrSessionDropped; when ctx
// ends it wraps ctx.Err(). In both cases, and after an unexpected prompt,
// the output so far is returned and the session is unusable.
func (s *Session) Run(ctx context.Context, command string, expects ...Expect) (string, error) {
	if s.err != nil {
		return "", fmt.Errorf("run %q: %w (%w)", command, ErrSessionUnusable, s.err)
	}
	s.text, s.answered = s.text[:0], 0
	if err := s.send(command + "\n"); err != nil {
		return "", fmt.Errorf("run %q: %w", command, err)
	}
	pending := append([]Expect(nil), expects...)
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		state, err := s.scan(command, &pending)
		if err != nil {
			return s.partial(), fmt.Errorf("run %q: %w", command, err)
		}
		switch state {
		case scanDone:
			return s.finish(), nil
		case scanQuestion:
			settle.Reset(s.cfg.Settle)
		default:
			settle.Stop()
		}
		if err := s.wait(ctx, command, settle.C); err != nil {
			return s.partial(), err
		}
	}
}

// wait blocks until more output arrives, the settle timer fires with a
// question still pending, or ctx ends.
func (s *Session) wait(ctx context.Context, command string, settled <-chan time.Time) error {
	select {
	case <-ctx.Done():
		s.err = ctx.Err()
		return fmt.Errorf("run %q: %w", command, ctx.Err())
	case <-settled:
		prompt := &UnexpectedPromptError{Command: command, Prompt: strings.TrimSpace(lastLine(s.text, s.answered))}
		s.err = prompt
		return prompt
	case result := <-s.results:
		if err := s.receive(result); err != nil {
			return fmt.Errorf("run %q: %w", command, err)
		}
		return nil
	}
}

// scan answers a pager or an expected prompt in the new text and reports
// whether the command finished.
func (s *Session) scan(command string, pending *[]Expect) (scanState, error) {
	s.answered = min(s.answered, len(s.text))
	if loc := moreMarker.FindIndex(s.text[s.answered:]); loc != nil {
		s.answered += loc[1]
		return scanWaiting, s.send(" ")
	}
	line := lastLine(s.text, s.answered)
	for i, expect := range *pending {
		if expect.Prompt != "" && strings.HasSuffix(strings.TrimRight(line, " "), strings.TrimRight(expect.Prompt, " ")) {
			*pending = append((*pending)[:i], (*pending)[i+1:]...)
			s.answered = len(s.text)
			return scanWaiting, s.send(expect.Answer)
		}
	}
	if s.prompt.MatchString(line) && s.echoed(command) {
		return scanDone, nil
	}
	if confirmationPrompt.MatchString(line) {
		return scanQuestion, nil
	}
	return scanWaiting, nil
}

// echoed reports whether the device has echoed the command, so that a
// prompt printed before the echo does not end the command early.
func (s *Session) echoed(command string) bool {
	first, _, ok := strings.Cut(string(s.text), "\n")
	if !ok {
		return false
	}
	word, _, _ := strings.Cut(strings.TrimSpace(command), " ")
	return strings.Contains(first, word)
}

// finish returns the output of a completed command and clears the buffer.
func (s *Session) finish() string {
	text := string(s.text)
	text = text[:strings.LastIndexByte(text, '\n')+1]
	s.text = s.text[:0]
	return s.output(text)
}

// partial returns the output received before a failure.
func (s *Session) partial() string {
	return s.output(string(s.text))
}

// output drops the echoed command line, moves syslog lines to the log and
// removes pager residue.
func (s *Session) output(text string) string {
	if _, rest, ok := strings.Cut(text, "\n"); ok {
		text = rest
	} else {
		text = ""
	}
	kept, syslog := splitSyslog(text)
	for _, line := range syslog {
		s.syslog = append(s.syslog, line)
		s.cfg.Logger.Info("device syslog", "host", s.host, "syslog", line)
	}
	text = moreResidue.ReplaceAllString(strings.Join(kept, "\n"), "")
	return strings.TrimRight(text, "\n ")
}
