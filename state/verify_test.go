package state

import (
	"context"
	"encoding/json"
	"testing"

	"patchbay/state/event"
)

// rewriteRecords replaces the journal's records with recs, as an attacker
// with the database file can after dropping the triggers.
func rewriteRecords(t *testing.T, s *Store, recs []event.Record) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{
		`DROP TRIGGER records_no_update`, `DROP TRIGGER records_no_delete`, `DELETE FROM records`,
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs {
		_, err := s.db.ExecContext(ctx, `INSERT INTO records
			(seq, time, kind, run, host, origin, origin_seq, payload, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Seq, formatTime(r.Time), string(r.Kind), r.Run, r.Host, r.Origin, r.OriginSeq,
			string(r.Payload), r.PrevHash, r.Hash)
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustHash(t *testing.T, r event.Record) string {
	t.Helper()
	h, err := Hash(r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// renumber sets consecutive seqs from 1, keeping hashes and links.
func renumber(recs []event.Record) []event.Record {
	for i := range recs {
		recs[i].Seq = int64(i + 1)
	}
	return recs
}

// rechain recomputes every link and hash, as a forger rebuilding the whole
// chain would.
func rechain(t *testing.T, recs []event.Record) []event.Record {
	prev := GenesisHash
	for i := range recs {
		recs[i].Seq = int64(i + 1)
		recs[i].PrevHash = prev
		recs[i].Hash = mustHash(t, recs[i])
		prev = recs[i].Hash
	}
	return recs
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, recs []event.Record) []event.Record
		seq    int64
		kind   BreakKind
	}{
		{"edit", func(t *testing.T, recs []event.Record) []event.Record {
			recs[2].Payload = json.RawMessage(`{"index":9,"phase":"installing","total":8}`)
			return recs
		}, 3, BreakEdit},
		{"edit and rehash", func(t *testing.T, recs []event.Record) []event.Record {
			recs[2].Host = "ws-9"
			recs[2].Hash = mustHash(t, recs[2])
			return recs
		}, 3, BreakEdit},
		{"deletion", func(t *testing.T, recs []event.Record) []event.Record {
			return append(recs[:3], recs[4:]...)
		}, 4, BreakDeletion},
		{"deletion and renumber", func(t *testing.T, recs []event.Record) []event.Record {
			return renumber(append(recs[:3], recs[4:]...))
		}, 4, BreakDeletion},
		{"deletion of first", func(t *testing.T, recs []event.Record) []event.Record {
			return recs[1:]
		}, 1, BreakDeletion},
		{"insertion", func(t *testing.T, recs []event.Record) []event.Record {
			forged := recs[3]
			forged.Host = "forged"
			forged.OriginSeq = 100
			forged.PrevHash = recs[2].Hash
			forged.Hash = mustHash(t, forged)
			out := append([]event.Record{}, recs[:3]...)
			out = append(out, forged)
			return renumber(append(out, recs[3:]...))
		}, 4, BreakInsertion},
		{"reorder", func(t *testing.T, recs []event.Record) []event.Record {
			recs[3], recs[4] = recs[4], recs[3]
			return renumber(recs)
		}, 4, BreakReorder},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			recs := mustAppend(t, s, sampleEvents("r1", 8)...)
			rewriteRecords(t, s, c.tamper(t, recs))

			v, err := s.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.Break == nil {
				t.Fatal("tampered journal verified")
			}
			if v.Break.Seq != c.seq {
				t.Errorf("break at seq %d, want %d (%s)", v.Break.Seq, c.seq, v.Break.Reason)
			}
			if v.Break.Kind != c.kind {
				t.Errorf("break kind %s, want %s (%s)", v.Break.Kind, c.kind, v.Break.Reason)
			}
		})
	}
}

func TestVerifyAcceptsUntouchedJournal(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustAppend(t, s, sampleEvents("r1", 5)...)
	recs := mustAppend(t, s, sampleEvents("r2", 4)...)
	head := Head{Seq: recs[3].Seq, Hash: recs[3].Hash}

	v, err := s.Verify(ctx, &head)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil {
		t.Fatalf("untouched journal broken: %v", v.Break)
	}
	if v.Records != 9 || v.Head != head {
		t.Errorf("verification = %d records, head %s; want 9, %s", v.Records, v.Head, head)
	}
}

func TestVerifyExpectHeadDetectsCut(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	recs := mustAppend(t, s, sampleEvents("r1", 6)...)
	head := Head{Seq: recs[5].Seq, Hash: recs[5].Hash}
	rewriteRecords(t, s, recs[:4])

	plain, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Break != nil {
		t.Fatalf("a cut chain should verify on its own, got %v", plain.Break)
	}
	v, err := s.Verify(ctx, &head)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break == nil || v.Break.Kind != BreakCut || v.Break.Seq != 5 {
		t.Errorf("break = %v, want cut at seq 5", v.Break)
	}
}

func TestVerifyExpectHeadDetectsRebuild(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	recs := mustAppend(t, s, sampleEvents("r1", 6)...)
	head := Head{Seq: recs[5].Seq, Hash: recs[5].Hash}
	recs[1].Host = "forged"
	rewriteRecords(t, s, rechain(t, recs))

	v, err := s.Verify(ctx, &head)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break == nil || v.Break.Kind != BreakRewritten {
		t.Errorf("break = %v, want rewritten", v.Break)
	}
}

func TestParseHead(t *testing.T) {
	h, err := ParseHead("12:" + GenesisHash)
	if err != nil || h.Seq != 12 || h.Hash != GenesisHash {
		t.Errorf("ParseHead = %v, %v", h, err)
	}
	for _, bad := range []string{"", "12", "x:" + GenesisHash, "12:abc", "-1:" + GenesisHash} {
		if _, err := ParseHead(bad); err == nil {
			t.Errorf("ParseHead(%q) returned no error", bad)
		}
	}
}
