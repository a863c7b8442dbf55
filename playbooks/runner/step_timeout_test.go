package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/remote"
)

// hangingAction blocks until its context ends and then fails as a
// session does, or with a plain error when plain is set.
type hangingAction struct {
	actions.Action
	plain bool
}

func (a hangingAction) Run(ctx context.Context, _ *actions.Exec, _ book.Params) error {
	<-ctx.Done()
	if a.plain {
		return ctx.Err()
	}
	return &remote.Error{Host: "north-web", Kind: remote.KindTimeout, Op: "run", Err: ctx.Err()}
}

func TestStepTimeoutAdvisesOnce(t *testing.T) {
	r := &Runner{}
	step := book.Step{Name: "upgrade", Timeout: time.Millisecond}
	for _, plain := range []bool{false, true} {
		err := r.attempts(context.Background(), nil, nil, step, hangingAction{plain: plain}, nil)
		if err == nil {
			t.Fatalf("plain=%v: the step did not fail", plain)
		}
		if n := strings.Count(err.Error(), "raise"); n != 1 {
			t.Errorf("plain=%v: error gives the advice to raise the timeout %d times, want once: %v", plain, n, err)
		}
		if !strings.Contains(err.Error(), "step timed out after 1ms") {
			t.Errorf("plain=%v: error = %v, want it to name the timeout", plain, err)
		}
		if !plain && remote.KindOf(err) != remote.KindTimeout {
			t.Errorf("error lost its remote kind: %v", err)
		}
		if plain && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error lost the deadline: %v", err)
		}
	}
}
