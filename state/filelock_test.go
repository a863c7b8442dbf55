package state

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLockWaitsForRelease(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	unlock, err := s.Lock(ctx, "kev-import", time.Second)
	if err != nil {
		t.Fatal(err)
	}

	acquired := make(chan error, 1)
	go func() {
		unlockSecond, err := s.Lock(ctx, "kev-import", time.Minute)
		if err == nil {
			unlockSecond()
		}
		acquired <- err
	}()
	select {
	case err := <-acquired:
		t.Fatalf("second Lock returned (%v) while the first lock was held", err)
	case <-time.After(3 * lockPollInterval):
	}
	unlock()
	if err := <-acquired; err != nil {
		t.Errorf("second Lock after release: %v", err)
	}
}

func TestLockTimesOut(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	unlock, err := s.Lock(ctx, "kev-import", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	_, err = s.Lock(ctx, "kev-import", 2*lockPollInterval)
	if !errors.Is(err, ErrLockTimeout) {
		t.Errorf("Lock error = %v, want ErrLockTimeout", err)
	}
	if other, err := s.Lock(ctx, "other", time.Second); err != nil {
		t.Errorf("Lock of another name: %v", err)
	} else {
		other()
	}
}
