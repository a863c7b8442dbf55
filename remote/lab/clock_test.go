package lab

import (
	"testing"
	"time"
)

func TestManualClockRunsTimersInOrder(t *testing.T) {
	c := NewManualClock(labEpoch)
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	c.AfterFunc(time.Second, func() {
		got = append(got, "a")
		c.AfterFunc(500*time.Millisecond, func() { got = append(got, "a2") })
	})
	stop := c.AfterFunc(time.Second, func() { got = append(got, "stopped") })
	if !stop() {
		t.Error("stop of a pending timer returned false")
	}
	c.Advance(1500 * time.Millisecond)
	if len(got) != 2 || got[0] != "a" || got[1] != "a2" {
		t.Errorf("after 1.5s ran %v, want [a a2]", got)
	}
	c.Advance(time.Second)
	if len(got) != 3 || got[2] != "b" {
		t.Errorf("after 2.5s ran %v, want [a a2 b]", got)
	}
	if want := labEpoch.Add(2500 * time.Millisecond); !c.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", c.Now(), want)
	}
}
