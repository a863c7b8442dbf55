package event

import (
	"encoding/json"
	"testing"
)

func TestOutputLimiterCapsAndCounts(t *testing.T) {
	l := OutputLimiter{Step: "install", Cap: 5}
	o, ok := l.Add("stdout", []byte("abc"))
	if !ok || o.Data != "abc" || o.Offset != 0 {
		t.Fatalf("first chunk = %+v, %v", o, ok)
	}
	o, ok = l.Add("stdout", []byte("defg"))
	if !ok || o.Data != "de" || o.Offset != 3 {
		t.Fatalf("second chunk = %+v, %v; want \"de\" at 3", o, ok)
	}
	if _, ok := l.Add("stderr", []byte("xyz")); ok {
		t.Error("chunk past the cap was kept")
	}
	total, stored := l.Sizes()
	if total != 10 || stored != 5 {
		t.Errorf("sizes = %d, %d; want 10, 5", total, stored)
	}
}

func TestDecodeEveryKind(t *testing.T) {
	for _, p := range prototypes {
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Record{Kind: p.Kind(), Payload: raw}.Decode()
		if err != nil {
			t.Errorf("%s: %v", p.Kind(), err)
			continue
		}
		if got.Kind() != p.Kind() {
			t.Errorf("decoded %s as %s", p.Kind(), got.Kind())
		}
	}
	if _, err := (Record{Kind: "bogus", Payload: []byte("{}")}).Decode(); err == nil {
		t.Error("unknown kind decoded without error")
	}
}
