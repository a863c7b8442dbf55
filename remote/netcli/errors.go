package netcli

import (
	"errors"
	"fmt"
)

// ErrSessionDropped reports that the device closed the session while a
// command ran. After `reload` or an IOS-XE install activate this is the
// expected outcome, so callers test for it with errors.Is.
var ErrSessionDropped = errors.New("session dropped")

// ErrSessionUnusable reports a Run on a session that an earlier timeout,
// drop or unexpected prompt left in an unknown state. Open a new session.
var ErrSessionUnusable = errors.New("session unusable after an earlier failure")

// ErrNoPrompt reports that Open found no device prompt before its context
// ended.
var ErrNoPrompt = errors.New("no device prompt found")

// UnexpectedPromptError reports a confirmation or password prompt that
// the caller did not list in an Expect. The session leaves it unanswered.
type UnexpectedPromptError struct {
	Command string
	Prompt  string // the prompt line as the device printed it
}

// Error names the command and the unanswered prompt.
func (e *UnexpectedPromptError) Error() string {
	return fmt.Sprintf("command %q stopped at unexpected prompt %q; pass an Expect for it if the answer is known", e.Command, e.Prompt)
}
