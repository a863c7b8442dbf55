package event

import (
	"encoding/json"
	"testing"
)

func TestRunFinishedDecodesOldRecord(t *testing.T) {
	rec := Record{Kind: KindRunFinished, Payload: []byte(`{"done":3,"failed":1,"missed":0,"skipped":2}`)}
	p, err := rec.Decode()
	if err != nil {
		t.Fatal(err)
	}
	got := p.(RunFinished)
	if got.Done != 3 {
		t.Errorf("done = %d, want 3", got.Done)
	}
	if got.RebootPending != 0 {
		t.Errorf("reboot pending = %d, want 0 for a record without the field", got.RebootPending)
	}
}

func TestRunFinishedRebootPendingRoundTrip(t *testing.T) {
	raw, err := json.Marshal(RunFinished{Done: 1, RebootPending: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Record{Kind: KindRunFinished, Payload: raw}.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.(RunFinished).RebootPending; got != 2 {
		t.Errorf("reboot pending = %d after a round trip, want 2", got)
	}
}
