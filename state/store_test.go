package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"patchbay/state/event"
)

var testTime = time.Date(2026, 12, 8, 22, 15, 0, 123456789, time.UTC)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustAppend appends events to s and fails t on error.
func mustAppend(t *testing.T, s *Store, events ...event.Event) []event.Record {
	t.Helper()
	recs, err := s.Append(context.Background(), events...)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func sampleEvents(run string, n int) []event.Event {
	evs := []event.Event{{Time: testTime, Run: run, Payload: event.RunStarted{
		Operator: "tech", Playbook: "windows-monthly", Selection: "site:a", CycleID: "2026-12",
		CycleKind: event.CycleMonthly,
	}}}
	for i := 1; i < n; i++ {
		evs = append(evs, event.Event{
			Time: testTime.Add(time.Duration(i) * time.Millisecond), Run: run, Host: "ws-1",
			Payload: event.HostState{Phase: event.PhaseInstalling, Index: i, Total: n},
		})
	}
	return evs
}

func TestAppendReadBack(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	stored := mustAppend(t, s, sampleEvents("r1", 3)...)
	got, err := s.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read %d records, want 3", len(got))
	}
	for i, r := range got {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: seq %d", i, r.Seq)
		}
		if r.Hash != stored[i].Hash {
			t.Errorf("record %d: hash read %s, appended %s", i, r.Hash, stored[i].Hash)
		}
		if r.Origin != s.ID() || r.OriginSeq != r.Seq {
			t.Errorf("record %d: origin %s/%d, want %s/%d", i, r.Origin, r.OriginSeq, s.ID(), r.Seq)
		}
	}
	if got[0].PrevHash != GenesisHash {
		t.Errorf("first prev hash = %s, want genesis", got[0].PrevHash)
	}
	if got[1].PrevHash != got[0].Hash {
		t.Errorf("second prev hash = %s, want %s", got[1].PrevHash, got[0].Hash)
	}
	if !got[0].Time.Equal(testTime) {
		t.Errorf("time = %v, want %v", got[0].Time, testTime)
	}

	p, err := got[2].Decode()
	if err != nil {
		t.Fatal(err)
	}
	hs, ok := p.(event.HostState)
	if !ok || hs.Index != 2 || hs.Total != 3 {
		t.Errorf("decoded payload = %#v, want installing 2/3", p)
	}
}

func TestAppendFilterByRunHostKind(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustAppend(t, s, sampleEvents("r1", 3)...)
	mustAppend(t, s, sampleEvents("r2", 2)...)
	cases := []struct {
		f    Filter
		want int
	}{
		{Filter{Run: "r2"}, 2},
		{Filter{Host: "ws-1"}, 3},
		{Filter{Kinds: []event.Kind{event.KindRunStarted}}, 2},
		{Filter{After: 4}, 1},
		{Filter{Limit: 2}, 2},
	}
	for _, c := range cases {
		got, err := s.Records(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Errorf("filter %+v: %d records, want %d", c.f, len(got), c.want)
		}
	}
}

func TestOpenFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Append(context.Background(), sampleEvents("r1", 2)...); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("state directory mode = %o, want 700", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); !e.IsDir() && perm != 0o600 {
			t.Errorf("%s mode = %o, want 600", e.Name(), perm)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+"-wal")); err != nil {
		t.Errorf("no WAL file beside the journal: %v", err)
	}
}

func TestUpdateDeleteRejected(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustAppend(t, s, sampleEvents("r1", 2)...)
	if _, err := s.db.ExecContext(ctx, `UPDATE records SET run = 'x' WHERE seq = 1`); err == nil {
		t.Error("UPDATE of a journal record succeeded")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE seq = 2`); err == nil {
		t.Error("DELETE of a journal record succeeded")
	}
}

func TestResolveDir(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"/s", map[string]string{"PATCHBAY_STATE": "/p"}, "/s"},
		{"", map[string]string{"PATCHBAY_STATE": "/p", "XDG_STATE_HOME": "/x"}, "/p"},
		{"", map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/patchbay"},
		{"", map[string]string{"HOME": "/h"}, "/h/.local/state/patchbay"},
	}
	for _, c := range cases {
		got, err := ResolveDir(c.flag, env(c.env))
		if err != nil || got != c.want {
			t.Errorf("ResolveDir(%q, %v) = %q, %v; want %q", c.flag, c.env, got, err, c.want)
		}
	}
	if _, err := ResolveDir("", env(nil)); err == nil {
		t.Error("ResolveDir with no flag and no environment returned no error")
	}
}

func TestAppendAfterStaleHead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	head, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAfter(ctx, head, sampleEvents("r1", 1)...); err != nil {
		t.Fatalf("AppendAfter with the current head: %v", err)
	}

	// head is now stale, because the append above moved it.
	_, err = s.AppendAfter(ctx, head, sampleEvents("r2", 1)...)
	if !errors.Is(err, ErrHeadMoved) {
		t.Errorf("AppendAfter with a stale head: error = %v, want ErrHeadMoved", err)
	}
	recs, err := s.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Errorf("journal has %d records, want 1: the stale append must add nothing", len(recs))
	}
}
