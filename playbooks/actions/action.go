// Package actions holds the step actions playbooks name, one file per
// action, and the registry the loader and the runner look them up in.
//
// An action gets an Exec: the host from the inventory, a session already
// wrapped in the write guard, the facts read so far and a Reporter for
// state changes and decisions. It does not journal, retry or time itself
// out: the runner does that around every step.
//
// Adding an action is one file: a type that implements Action and an init
// function that calls Register. Adding a platform's facts and reboot
// commands is one file that calls RegisterPlatform.
package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"patchbay/playbooks/book"
)

// Action is one kind of step.
type Action interface {
	book.ActionSpec
	// Name is the name playbooks use, such as "apt.upgrade".
	Name() string
	// Run performs the step on x's host with its expanded parameters.
	Run(ctx context.Context, x *Exec, p book.Params) error
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Action{}
)

// Register adds an action to the registry. It panics when the name is
// taken, because two actions of one name are a programming error.
func Register(a Action) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[a.Name()]; dup {
		panic(fmt.Sprintf("actions: %q registered twice", a.Name()))
	}
	registry[a.Name()] = a
}

// Lookup returns the action called name.
func Lookup(name string) (Action, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	a, ok := registry[name]
	return a, ok
}

// Resolve is a book.Resolver over the registry.
func Resolve(name string) (book.ActionSpec, bool) {
	a, ok := Lookup(name)
	if !ok {
		return nil, false
	}
	return a, true
}

// Names returns the registered action names, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Sentinel outcomes an action returns to the runner.
var (
	// ErrRebootPending means the host needs a reboot that policy deferred.
	// The host ends as "reboot pending", not failed.
	ErrRebootPending = errors.New("reboot pending")
	// ErrRebootLoop means an update that was installed came back as pending
	// after a reboot. The action has set a hold; the host stops as failed.
	ErrRebootLoop = errors.New("reboot loop")
	// ErrRebootCap means the host reached the maximum reboots per run.
	ErrRebootCap = errors.New("reboot limit reached")
	// ErrUnsupported means the action has no implementation for the
	// host's platform.
	ErrUnsupported = errors.New("not supported on this platform")
)

// TransientError marks a failure that may pass on its own, such as an
// update source that did not answer, so the runner retries the step.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

// Transient wraps err as a TransientError. A nil err stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &TransientError{Err: err}
}

// IsTransient reports whether err is marked transient.
func IsTransient(err error) bool {
	var te *TransientError
	return errors.As(err, &te)
}

// spec is the book.ActionSpec part shared by the actions in this package.
type spec struct {
	effect book.Effect
	check  func(book.Params) []book.ParamProblem
}

func (s spec) Effect() book.Effect { return s.effect }

func (s spec) CheckParams(p book.Params) []book.ParamProblem {
	if s.check == nil {
		return p.CheckKnown()
	}
	return s.check(p)
}
